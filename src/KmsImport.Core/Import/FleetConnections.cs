using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using KmsImport.Core.Kms;

namespace KmsImport.Core.Import
{
    /// <summary>
    /// The services of a fleet run: one per (account, Region), each with its own <see cref="RequestPacer"/> at the safe
    /// share of that pair's quotas (KMS's quotas are per account and Region), made on first use and shared by every row
    /// of the pair and by the replicas that land in it.
    /// </summary>
    public sealed class FleetConnections
    {
        private readonly AccountCredentialSource _credentials;
        private readonly IReadOnlyDictionary<string, double>? _quotas;
        private readonly ConcurrentDictionary<string, Lazy<KmsImportService>> _services = new ConcurrentDictionary<string, Lazy<KmsImportService>>(StringComparer.Ordinal);

        /// <param name="credentials">The run's credentials per row (the command's connection, -RoleArn, the session name).</param>
        /// <param name="quotas">Requests per second per operation for each pair's pacer; null sends unpaced.</param>
        public FleetConnections(AccountCredentialSource credentials, IReadOnlyDictionary<string, double>? quotas)
        {
            _credentials = credentials;
            _quotas = quotas;
        }

        /// <summary>
        /// The share of each quota a pair's pacer uses (90%). Requests are also spaced from the previous answer
        /// (<see cref="RequestPacer.SpaceFromAnswers"/>): a request released on time but delayed on its way (a cold
        /// connection, a busy client) cannot bring the next one within a quota's interval of it at KMS.
        /// </summary>
        public const double Headroom = 0.9;

        /// <summary>Called once per new service (e.g. to route its notices); may run on a worker thread.</summary>
        public Action<KmsImportService>? Created { get; set; }

        /// <summary>The pacers made so far (for the run's total wait).</summary>
        public IEnumerable<RequestPacer> Pacers
        {
            get
            {
                foreach (var s in _services.Values)
                    if (s.IsValueCreated && s.Value.Pacer != null) yield return s.Value.Pacer;
            }
        }

        /// <summary>The service that reaches the row's account in <paramref name="region"/>.</summary>
        public KmsImportService For(FleetEntry entry, string region) =>
            _services.GetOrAdd(entry.AccountKey + "|" + region, _ => new Lazy<KmsImportService>(() =>
            {
                var service = new KmsImportService(KmsClientFactory.Create(SettingsFor(entry, region)));
                if (_quotas != null) service.Pacer = new RequestPacer(_quotas, Headroom) { SpaceFromAnswers = true };
                Created?.Invoke(service);
                return service;
            })).Value;

        /// <summary>
        /// The one place a row's credentials are chosen (<see cref="AccountCredentialSource"/>): its RoleArn, else -RoleArn for
        /// its Account, assumed once per account; else its ProfileName as the SDK resolves profiles; else the command's.
        /// A role that cannot be assumed throws RoleNotAssumable here, for that pair's rows only.
        /// </summary>
        private KmsConnectionSettings SettingsFor(FleetEntry entry, string region) =>
            _credentials.SettingsFor(region, FleetPlan.Text(entry.Row.Account), FleetPlan.Text(entry.Row.ProfileName), FleetPlan.Text(entry.Row.RoleArn));
    }
}
