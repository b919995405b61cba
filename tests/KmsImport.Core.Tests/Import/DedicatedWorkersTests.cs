using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using KmsImport.Core.Import;
using Xunit;

namespace KmsImport.Core.Tests.Import
{
    public class DedicatedWorkersTests
    {
        [Fact]
        public void Runs_every_item_on_threads_of_its_own_never_more_at_once_than_asked()
        {
            var seen = new ConcurrentBag<int>();
            int running = 0, peak = 0;
            var pool = new ConcurrentBag<bool>();
            DedicatedWorkers.ForEach(Enumerable.Range(0, 40), 6, CancellationToken.None, i =>
            {
                var now = Interlocked.Increment(ref running);
                int p;
                while ((p = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, p) != p) { }
                pool.Add(Thread.CurrentThread.IsThreadPoolThread);
                Thread.Sleep(5);
                seen.Add(i);
                Interlocked.Decrement(ref running);
            }, "test worker");
            Assert.Equal(Enumerable.Range(0, 40), seen.OrderBy(i => i));
            Assert.InRange(peak, 2, 6);
            Assert.DoesNotContain(true, pool);
        }

        [Fact]
        public void A_failure_stops_the_taking_and_is_thrown_after_every_worker_ended()
        {
            var done = 0;
            var ex = Assert.Throws<AggregateException>(() => DedicatedWorkers.ForEach(Enumerable.Range(0, 1000), 2, CancellationToken.None, i =>
            {
                if (i == 3) throw new InvalidOperationException("boom");
                Interlocked.Increment(ref done);
                Thread.Sleep(1);
            }, "test worker"));
            Assert.IsType<InvalidOperationException>(Assert.Single(ex.InnerExceptions));
            Assert.True(done < 999, $"{done} items ran after the failure");
        }

        [Fact]
        public void A_cancelled_token_stops_the_taking_and_throws_OperationCanceledException()
        {
            using var cancel = new CancellationTokenSource();
            var done = 0;
            Assert.ThrowsAny<OperationCanceledException>(() => DedicatedWorkers.ForEach(Enumerable.Range(0, 1000), 2, cancel.Token, i =>
            {
                if (Interlocked.Increment(ref done) == 5) cancel.Cancel();
                Thread.Sleep(1);
            }, "test worker"));
            Assert.True(done < 20, $"{done} items ran");
        }
    }
}
