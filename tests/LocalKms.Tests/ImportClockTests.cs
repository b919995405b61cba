using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using LocalKms.Tests.Infrastructure;
using Xunit;

namespace LocalKms.Tests;

/// <summary>Import behaviour that depends on time: token expiry, material expiry, scheduled deletion (moves this server's clock).</summary>
public sealed class ImportClockTests(LocalKmsHost host) : IClassFixture<LocalKmsHost>
{
    private readonly IAmazonKeyManagementService _kms = host.Client();

    private static MemoryStream S(byte[] b) => new(b);

    [Fact]
    public async Task ExpiredToken_IsExpiredImportToken()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        GetParametersForImportResponse p = await Kms.ParamsAsync(_kms, md.KeyId);
        try
        {
            await host.AdvanceClockAsync(TimeSpan.FromHours(25));
            var e = await Kms.FailsWith("ExpiredImportTokenException", () => _kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
            {
                KeyId = md.KeyId,
                ImportToken = S(p.ImportToken.ToArray()),
                EncryptedKeyMaterial = S(Kms.WrapOaep(p.PublicKey.ToArray(), RandomNumberGenerator.GetBytes(32), "RSAES_OAEP_SHA_256")),
                ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
            }));
            Assert.Contains("GetParametersForImport", e.Message);

            // A fresh set works at the advanced time.
            await Kms.ImportAsync(_kms, md.KeyId, RandomNumberGenerator.GetBytes(32));
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }

    [Fact]
    public async Task MaterialExpiry_MovesTheKeyToPendingImport_AndReimportRestoresIt()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        byte[] material = RandomNumberGenerator.GetBytes(32);
        DateTime validTo = DateTime.UtcNow.AddHours(1);
        await Kms.ImportAsync(_kms, md.KeyId, material, configure: r =>
        {
            r.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES;
            r.ValidTo = validTo;
        });
        KeyMetadata enabled = await Kms.DescribeAsync(_kms, md.KeyId);
        Assert.Equal(KeyState.Enabled, enabled.KeyState);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_EXPIRES, enabled.ExpirationModel);
        Assert.InRange(enabled.ValidTo!.Value, validTo.AddSeconds(-1), validTo.AddSeconds(1));
        byte[] ciphertext = (await _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([42]) })).CiphertextBlob.ToArray();
        try
        {
            await host.AdvanceClockAsync(TimeSpan.FromHours(2));
            KeyMetadata expired = await Kms.DescribeAsync(_kms, md.KeyId);
            Assert.Equal(KeyState.PendingImport, expired.KeyState);
            Assert.Null(expired.ValidTo);
            var e = await Kms.FailsWith("KMSInvalidStateException", () => _kms.EncryptAsync(new EncryptRequest { KeyId = md.KeyId, Plaintext = S([1]) }));
            Assert.Contains("is pending import", e.Message);
            await Kms.FailsWith("KMSInvalidStateException", () => _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(ciphertext) }));

            await Kms.ImportAsync(_kms, md.KeyId, material);
            Assert.Equal(KeyState.Enabled, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
            Assert.Equal([42], (await _kms.DecryptAsync(new DecryptRequest { CiphertextBlob = S(ciphertext) })).Plaintext.ToArray());
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }

    [Fact]
    public async Task ScheduledDeletion_CompletesWhenTheClockPassesTheDeletionDate()
    {
        KeyMetadata md = await Kms.CreateExternalAsync(_kms);
        string alias = "alias/deleted-" + Guid.NewGuid().ToString("N");
        await _kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = md.KeyId });
        await _kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = md.KeyId, PendingWindowInDays = 7 });
        try
        {
            await host.AdvanceClockAsync(TimeSpan.FromDays(6));
            Assert.Equal(KeyState.PendingDeletion, (await Kms.DescribeAsync(_kms, md.KeyId)).KeyState);
            await host.AdvanceClockAsync(TimeSpan.FromDays(2));
            await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, md.KeyId));
            await Kms.FailsWith("NotFoundException", () => Kms.DescribeAsync(_kms, alias));
        }
        finally
        {
            await host.ResetClockAsync();
        }
    }
}
