using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// Runs blocking work items on threads of their own, at most <c>workers</c> at once, in the order given.
    /// Why not Parallel.ForEach: every item here blocks (SDK calls waited on synchronously, pacer sleeps), and on
    /// the thread pool those waits starve it: the pool starts with one thread per core and adds more slowly, so 18
    /// pacing workers on 2 cores took 2.35x the quota floor of a 9-pair fleet instead of 1.10x (bench section 6).
    /// The pool keeps its threads for the SDK's I/O completions.
    /// </summary>
    internal static class DedicatedWorkers
    {
        /// <summary>
        /// Like Parallel.ForEach with NoBuffering: each worker takes the next item when it is free. The first
        /// failure stops the taking of new items and is thrown (as an AggregateException) once every worker has
        /// ended; a cancelled token stops the taking and throws OperationCanceledException.
        /// </summary>
        public static void ForEach<T>(IEnumerable<T> items, int workers, CancellationToken cancel, Action<T> body, string name)
        {
            var queue = new ConcurrentQueue<T>(items);
            var failures = new ConcurrentQueue<Exception>();
            var count = Math.Max(1, Math.Min(workers, queue.Count));
            var threads = new List<Thread>(count);
            for (var i = 0; i < count; i++)
            {
                var thread = new Thread(() =>
                {
                    while (failures.IsEmpty && !cancel.IsCancellationRequested && queue.TryDequeue(out var item))
                    {
                        try { body(item); }
                        catch (Exception ex) { failures.Enqueue(ex); }
                    }
                })
                { IsBackground = true, Name = name };
                threads.Add(thread);
                thread.Start();
            }
            foreach (var thread in threads) thread.Join();
            if (!failures.IsEmpty) throw new AggregateException(failures);
            cancel.ThrowIfCancellationRequested();
        }
    }
}
