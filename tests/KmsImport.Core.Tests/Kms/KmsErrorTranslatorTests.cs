using System.Net;
using Amazon.KeyManagementService;
using KmsImport.Core.Kms;
using Xunit;

namespace KmsImport.Core.Tests.Kms;

public class KmsErrorTranslatorTests
{
    private static KmsImportException Translate(string code, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        KmsErrorTranslator.Translate(
            new AmazonKeyManagementServiceException("kms says no") { ErrorCode = code, StatusCode = status },
            "ImportKeyMaterial", "key-1", "eu-west-2");

    [Theory]
    [InlineData("ExpiredImportTokenException", ErrorIds.ImportTokenExpired, ErrorKind.InvalidOperation, "Get-KmsImportParameters")]
    [InlineData("InvalidImportTokenException", ErrorIds.ImportTokenInvalid, ErrorKind.InvalidData, "same output")]
    [InlineData("InvalidCiphertextException", ErrorIds.CiphertextInvalid, ErrorKind.InvalidData, "Protect-KeyMaterial")]
    [InlineData("IncorrectKeyMaterialException", ErrorIds.KeyMaterialIncorrect, ErrorKind.InvalidData, "escrowed")]
    [InlineData("NotFoundException", ErrorIds.KeyNotFound, ErrorKind.ObjectNotFound, "-Region")]
    [InlineData("KMSInvalidStateException", ErrorIds.KeyInvalidState, ErrorKind.InvalidOperation, "Test-KmsKeyState")]
    [InlineData("UnsupportedOperationException", ErrorIds.OperationNotSupported, ErrorKind.InvalidOperation, "EXTERNAL")]
    [InlineData("AccessDeniedException", ErrorIds.AccessDenied, ErrorKind.PermissionDenied, "kms:ImportKeyMaterial")]
    [InlineData("UnrecognizedClientException", ErrorIds.AuthenticationFailed, ErrorKind.AuthenticationError, "credentials")]
    public void Each_KMS_error_gets_its_ErrorId_kind_and_advice(string code, string errorId, ErrorKind kind, string advice)
    {
        var ex = Translate(code);
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.Contains(advice, ex.Message);
        Assert.Contains("kms says no", ex.Message);
        Assert.Equal("key-1", ex.TargetObject);
        Assert.False(ex.IsTransient);
    }

    [Theory]
    [InlineData("ThrottlingException", ErrorIds.Throttled)]
    [InlineData("KMSInternalException", ErrorIds.InternalError)]
    [InlineData("DependencyTimeoutException", ErrorIds.InternalError)]
    public void Retryable_errors_are_marked_transient(string code, string errorId)
    {
        var ex = Translate(code);
        Assert.Equal(errorId, ex.ErrorId);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public void An_unknown_5xx_is_transient_and_keeps_a_generic_id()
    {
        var ex = Translate("SomethingNew", HttpStatusCode.ServiceUnavailable);
        Assert.Equal(ErrorIds.KmsError, ex.ErrorId);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public void A_network_failure_is_EndpointUnreachable()
    {
        var ex = KmsErrorTranslator.Translate(new HttpRequestException("connection refused"), "DescribeKey", "key-1", "eu-west-2");
        Assert.Equal(ErrorIds.EndpointUnreachable, ex.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, ex.Kind);
        Assert.True(ex.IsTransient);
    }
}
