using System.Net;
using System.Reflection;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

/// <summary>
/// A scripted KMS client: each operation answers from a queue of handlers (the last one repeats).
/// Records every request, so a test can say exactly what was sent.
/// </summary>
public class ScriptedKms : DispatchProxy
{
    public Dictionary<string, Queue<Func<object, object>>> Script { get; } = new();
    public List<(string Operation, object Request)> Sent { get; } = new();

    public static (IAmazonKeyManagementService Client, ScriptedKms Script) Create()
    {
        var client = DispatchProxy.Create<IAmazonKeyManagementService, ScriptedKms>();
        return (client, (ScriptedKms)(object)client);
    }

    public ScriptedKms On(string operation, params Func<object, object>[] answers)
    {
        Script[operation] = new Queue<Func<object, object>>(answers);
        return this;
    }

    public int Count(string operation) => Sent.Count(s => s.Operation == operation);

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        var name = method!.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^5] : method.Name;
        if (name == "Dispose") return null;
        var request = args![0]!;
        Sent.Add((name, request));
        var resultType = method.ReturnType.GetGenericArguments()[0];
        if (!Script.TryGetValue(name, out var queue) || queue.Count == 0)
            throw new InvalidOperationException("unscripted " + name);
        var handler = queue.Count > 1 ? queue.Dequeue() : queue.Peek();
        try
        {
            var response = handler(request);
            return typeof(Task).GetMethod(nameof(Task.FromResult))!.MakeGenericMethod(resultType).Invoke(null, new[] { response });
        }
        catch (Exception ex)
        {
            return typeof(Task).GetMethods().Single(m => m.Name == nameof(Task.FromException) && m.IsGenericMethod)
                .MakeGenericMethod(resultType).Invoke(null, new object[] { ex });
        }
    }
}

/// <summary>Issue 14, findings 10, 18, 19: answers that are lost, empty or odd are read back, never guessed or resent blindly.</summary>
public class UnknownOutcomeTests
{
    private static readonly Func<object, object> Lost = _ => throw new HttpRequestException("response ended prematurely", new IOException("reset"));
    private static readonly Func<object, object> Unreadable = _ => throw new Amazon.Runtime.AmazonUnmarshallingException("r", "", new System.Text.Json.JsonException("empty"), HttpStatusCode.OK);
    private static readonly Func<object, object> Throttled = _ => throw new AmazonKeyManagementServiceException("Rate exceeded") { ErrorCode = "ThrottlingException", StatusCode = HttpStatusCode.BadRequest };

    private static KeyMetadata Key(string id, string state = "PendingImport", string spec = "SYMMETRIC_DEFAULT") => new()
    {
        KeyId = id, Arn = "arn:aws:kms:eu-west-2:111122223333:key/" + id, KeyState = state, Origin = OriginType.EXTERNAL,
        KeySpec = spec, KeyUsage = KeyUsageType.ENCRYPT_DECRYPT, CreationDate = DateTime.UtcNow,
    };

    private static (KmsImportService Service, ScriptedKms Kms) Service(int maxErrorRetry = 2)
    {
        var (client, kms) = ScriptedKms.Create();
        return (new KmsImportService(client, "eu-west-2", "http://127.0.0.1:1", client, maxErrorRetry) { ResendDelay = TimeSpan.Zero }, kms);
    }

    private static string RequestTag(ScriptedKms kms) =>
        ((CreateKeyRequest)kms.Sent.First(s => s.Operation == "CreateKey").Request).Tags.Single(t => t.TagKey == KmsImportService.RequestTagKey).TagValue;

    [Fact]
    public void A_lost_CreateKey_answer_is_found_by_its_request_tag_and_never_resent()
    {
        var (service, kms) = Service();
        kms.On("CreateKey", Lost)
           .On("ListKeys", _ => new ListKeysResponse { Keys = [new KeyListEntry { KeyId = "other" }, new KeyListEntry { KeyId = "made" }] })
           .On("ListResourceTags", r => new ListResourceTagsResponse
           {
               Tags = ((ListResourceTagsRequest)r).KeyId == "made" ? [new Tag { TagKey = KmsImportService.RequestTagKey, TagValue = RequestTag(kms) }] : [],
           })
           .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = Key("made") });
        var key = service.CreateExternalKey(new ExternalKeyOptions());
        Assert.Equal("made", key.KeyId);
        Assert.Equal(1, kms.Count("CreateKey"));
        Assert.Matches("^[0-9a-f-]{36}$", RequestTag(kms));
    }

    [Fact]
    public void A_lost_CreateKey_answer_with_no_tagged_key_says_so_and_is_not_resent()
    {
        var (service, kms) = Service();
        kms.On("CreateKey", Lost)
           .On("ListKeys", _ => new ListKeysResponse { Keys = [new KeyListEntry { KeyId = "other" }] })
           .On("ListResourceTags", _ => new ListResourceTagsResponse { Tags = [new Tag { TagKey = KmsImportService.RequestTagKey, TagValue = "someone-else" }] });
        var ex = Assert.Throws<KmsImportException>(() => service.CreateExternalKey(new ExternalKeyOptions()));
        Assert.Equal(ErrorIds.EndpointUnreachable, ex.ErrorId);
        Assert.Contains("did not take effect", ex.Message);
        Assert.DoesNotContain("nothing was changed", ex.Message);
        Assert.Equal(1, kms.Count("CreateKey"));
    }

    [Fact]
    public void A_CreateKey_whose_outcome_cannot_be_read_back_names_the_request_tag()
    {
        var (service, kms) = Service();
        kms.On("CreateKey", Unreadable)
           .On("ListKeys", _ => throw new AmazonKeyManagementServiceException("no") { ErrorCode = "AccessDeniedException", StatusCode = HttpStatusCode.BadRequest });
        var ex = Assert.Throws<KmsImportException>(() => service.CreateExternalKey(new ExternalKeyOptions()));
        Assert.Equal(ErrorIds.OutcomeUnknown, ex.ErrorId);
        Assert.Contains(RequestTag(kms), ex.Message);
        Assert.Contains("Remove-KmsExternalKey", ex.Message);
        Assert.Equal(1, kms.Count("CreateKey"));
    }

    [Fact]
    public void A_throttled_CreateKey_is_sent_again_because_KMS_refused_it_for_sure()
    {
        var (service, kms) = Service(maxErrorRetry: 2);
        kms.On("CreateKey", Throttled, _ => new CreateKeyResponse { KeyMetadata = Key("made") });
        Assert.Equal("made", service.CreateExternalKey(new ExternalKeyOptions()).KeyId);
        Assert.Equal(2, kms.Count("CreateKey"));
        // the same request tag both times: one request, one key
        Assert.Single(kms.Sent.Where(s => s.Operation == "CreateKey").Select(s => ((CreateKeyRequest)s.Request).Tags.Single(t => t.TagKey == KmsImportService.RequestTagKey).TagValue).Distinct());
    }

    [Fact]
    public void An_empty_CreateKey_answer_with_no_key_made_is_an_invalid_answer_not_a_NullReference()
    {
        var (service, kms) = Service();
        kms.On("CreateKey", _ => new CreateKeyResponse())
           .On("ListKeys", _ => new ListKeysResponse { Keys = [] });
        var ex = Assert.Throws<KmsImportException>(() => service.CreateExternalKey(new ExternalKeyOptions()));
        Assert.Equal(ErrorIds.AnswerInvalid, ex.ErrorId);
        Assert.Equal(1, kms.Count("CreateKey"));
    }

    [Theory]
    [InlineData("QUANTUM_9000")]
    [InlineData("HMAC_256")]
    public void A_CreateKey_answer_with_another_key_spec_is_reported_with_its_cleanup_never_as_SYMMETRIC_DEFAULT(string answered)
    {
        var (service, kms) = Service();
        kms.On("CreateKey", _ => new CreateKeyResponse { KeyMetadata = Key("made", spec: answered) });
        var ex = Assert.Throws<KmsImportException>(() => service.CreateExternalKey(new ExternalKeyOptions()));
        Assert.Equal(ErrorIds.KeyCreatedUnfinished, ex.ErrorId);
        Assert.Contains("'" + answered + "'", ex.Message);
        Assert.Contains("Remove-KmsExternalKey -KeyId 'made' -Region 'eu-west-2' -EndpointUrl 'http://127.0.0.1:1'", ex.Message);
        Assert.Equal("made", ex.TargetObject);
    }

    [Fact]
    public void DescribeKey_answering_nothing_is_KmsAnswerInvalid()
    {
        var (service, kms) = Service();
        kms.On("DescribeKey", _ => new DescribeKeyResponse());
        Assert.Equal(ErrorIds.AnswerInvalid, Assert.Throws<KmsImportException>(() => service.DescribeKey("k")).ErrorId);
    }

    [Fact]
    public void Parameters_without_ParametersValidTo_are_refused_not_assumed_24_hours()
    {
        var (service, kms) = Service();
        kms.On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = Key("k") })
           .On("GetParametersForImport", _ => new GetParametersForImportResponse
           {
               KeyId = "k", PublicKey = new MemoryStream([1, 2, 3]), ImportToken = new MemoryStream([4, 5, 6]),
           });
        var ex = Assert.Throws<KmsImportException>(() => service.GetParametersForImport("k", KeySpec.SYMMETRIC_DEFAULT,
            new KmsImport.Core.Crypto.WrappingChoice(WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_4096)));
        Assert.Equal(ErrorIds.AnswerInvalid, ex.ErrorId);
        Assert.Contains("ParametersValidTo", ex.Message);
    }

    private static ProtectedKeyMaterial Wrapped() => new()
    {
        KeyId = "k", KeySpec = "SYMMETRIC_DEFAULT", WrappingAlgorithm = "RSAES_OAEP_SHA_256",
        WrappingKeySpec = "RSA_4096", ImportToken = [1], EncryptedKeyMaterial = [2],
        ParametersValidTo = DateTime.UtcNow.AddHours(23), Region = "eu-west-2",
    };

    [Fact]
    public void An_import_answered_with_success_while_the_key_stays_PendingImport_is_an_error()
    {
        var (service, kms) = Service();
        kms.On("ImportKeyMaterial", _ => new ImportKeyMaterialResponse())
           .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = Key("k", "PendingImport") });
        var ex = Assert.Throws<KmsImportException>(() => service.ImportKeyMaterial(Wrapped(), new ImportOptions()));
        Assert.Equal(ErrorIds.ImportNotApplied, ex.ErrorId);
        Assert.Equal(1, kms.Count("ImportKeyMaterial"));
    }

    [Fact]
    public void An_import_with_an_empty_body_is_a_success_once_the_key_reads_back_Enabled_and_is_sent_once()
    {
        var (service, kms) = Service();
        var enabled = Key("k", "Enabled");
        enabled.ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE;
        kms.On("ImportKeyMaterial", Unreadable)
           .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = enabled });
        var notices = new List<string>();
        service.Notice = notices.Add;
        var result = service.ImportKeyMaterial(Wrapped(), new ImportOptions());
        Assert.Equal("Enabled", result.KeyState);
        Assert.Equal(1, kms.Count("ImportKeyMaterial"));
        Assert.Single(notices);
    }

    [Fact]
    public void A_lost_import_that_did_not_take_effect_is_sent_again_with_the_same_token()
    {
        var (service, kms) = Service(maxErrorRetry: 1);
        var enabled = Key("k", "Enabled");
        kms.On("ImportKeyMaterial", Lost, _ => new ImportKeyMaterialResponse { KeyId = "k" })
           .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = Key("k", "PendingImport") }, _ => new DescribeKeyResponse { KeyMetadata = enabled });
        var result = service.ImportKeyMaterial(Wrapped(), new ImportOptions());
        Assert.Equal(KmsImportResult.Imported, result.Outcome);
        Assert.Null(result.KeyState); // the second send was answered: the state was not observed, so not claimed
        Assert.Equal(2, kms.Count("ImportKeyMaterial"));
    }

    [Fact]
    public void A_complete_answer_is_taken_as_it_is_but_a_lost_one_needs_the_state_and_the_expiry_to_match()
    {
        // DescribeKey's ValidTo is the earliest of the key's materials: after a success answer it may differ.
        var enabled = Key("k", "Enabled");
        enabled.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES;
        enabled.ValidTo = DateTime.UtcNow.AddDays(3);
        var options = new ImportOptions { ExpirationModel = ExpirationModel.KEY_MATERIAL_EXPIRES, ValidToUtc = DateTime.UtcNow.AddDays(30) };

        var (answered, kms1) = Service();
        kms1.On("ImportKeyMaterial", _ => new ImportKeyMaterialResponse { KeyId = "k" })
            .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = enabled });
        // KMS names the key in a complete answer: taken as it is, no DescribeKey (verifying is Test-KmsKeyState's step).
        Assert.Equal(KmsImportResult.Imported, answered.ImportKeyMaterial(Wrapped(), options).Outcome);
        Assert.Equal(1, kms1.Count("ImportKeyMaterial"));
        Assert.Equal(0, kms1.Count("DescribeKey"));

        // Lost: the state alone cannot tell a re-import from none, so the same material is sent again.
        var (lost, kms2) = Service(maxErrorRetry: 1);
        kms2.On("ImportKeyMaterial", Lost, _ => new ImportKeyMaterialResponse { KeyId = "k" })
            .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = enabled });
        Assert.Equal(KmsImportResult.Imported, lost.ImportKeyMaterial(Wrapped(), options).Outcome);
        Assert.Equal(2, kms2.Count("ImportKeyMaterial"));
        Assert.Equal(1, kms2.Count("DescribeKey"));
    }

    [Fact]
    public void ValidTo_is_sent_in_whole_seconds()
    {
        var (service, kms) = Service();
        var validTo = DateTime.UtcNow.AddDays(30).AddTicks(1234567);
        var enabled = Key("k", "Enabled");
        enabled.ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES;
        kms.On("ImportKeyMaterial", _ => new ImportKeyMaterialResponse())
           .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = enabled });
        var result = service.ImportKeyMaterial(Wrapped(), new ImportOptions { ExpirationModel = ExpirationModel.KEY_MATERIAL_EXPIRES, ValidToUtc = validTo });
        var sent = ((ImportKeyMaterialRequest)kms.Sent.Single(s => s.Operation == "ImportKeyMaterial").Request).ValidTo!.Value;
        Assert.Equal(0, sent.Ticks % TimeSpan.TicksPerSecond);
        Assert.True(sent <= validTo && validTo - sent < TimeSpan.FromSeconds(1));
        Assert.Equal(sent, result.ValidTo);
    }

    [Fact]
    public void A_lost_DeleteImportedKeyMaterial_answer_reads_back_PendingImport_as_done()
    {
        var (service, kms) = Service();
        kms.On("DeleteImportedKeyMaterial", Unreadable)
           .On("DescribeKey", _ => new DescribeKeyResponse { KeyMetadata = Key("k", "PendingImport") });
        service.DeleteImportedKeyMaterial("k", null);
        Assert.Equal(1, kms.Count("DeleteImportedKeyMaterial"));
    }

    [Fact]
    public void A_lost_answer_whose_read_back_fails_is_KmsOutcomeUnknown()
    {
        var (service, kms) = Service();
        kms.On("RotateKeyOnDemand", Lost)
           .On("ListKeyRotations", _ => throw new AmazonKeyManagementServiceException("down") { StatusCode = HttpStatusCode.BadGateway });
        var ex = Assert.Throws<KmsImportException>(() => service.RotateKeyOnDemand("k"));
        Assert.Equal(ErrorIds.OutcomeUnknown, ex.ErrorId);
        Assert.Contains("Get-KmsKeyRotation", ex.Message);
        Assert.Equal(1, kms.Count("RotateKeyOnDemand"));
    }

    [Fact]
    public void A_refused_connection_is_not_an_unknown_outcome()
    {
        var refused = new HttpRequestException("refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        Assert.False(KmsImportService.IsOutcomeUnknown(refused));
        Assert.True(KmsImportService.IsOutcomeUnknown(new HttpRequestException("ended", new IOException("reset"))));
        Assert.True(KmsImportService.IsOutcomeUnknown(new AmazonKeyManagementServiceException("x") { StatusCode = HttpStatusCode.BadGateway }));
        Assert.False(KmsImportService.IsOutcomeUnknown(new AmazonKeyManagementServiceException("x") { ErrorCode = "ThrottlingException", StatusCode = HttpStatusCode.BadRequest }));
    }
}
