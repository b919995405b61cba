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

/// <summary>Answers that are not KMS's: HTTP errors without __type, unreadable bodies (issue 14, finding 11 and 10).</summary>
public class EndpointAnswerTranslationTests
{
    private static KmsImportException Http(HttpStatusCode status) =>
        KmsErrorTranslator.Translate(
            new AmazonKeyManagementServiceException("body-marker <html>", new Amazon.Runtime.Internal.HttpErrorResponseException(null!)) { StatusCode = status },
            "DescribeKey", "key-1", "eu-west-2");

    [Theory]
    [InlineData(HttpStatusCode.BadGateway, ErrorIds.HttpError, ErrorKind.ResourceUnavailable, true)]
    [InlineData(HttpStatusCode.InternalServerError, ErrorIds.HttpError, ErrorKind.ResourceUnavailable, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, ErrorIds.HttpError, ErrorKind.ResourceUnavailable, true)]
    [InlineData(HttpStatusCode.TooManyRequests, ErrorIds.Throttled, ErrorKind.LimitsExceeded, true)]
    [InlineData(HttpStatusCode.Forbidden, ErrorIds.HttpError, ErrorKind.PermissionDenied, false)]
    [InlineData(HttpStatusCode.BadRequest, ErrorIds.HttpError, ErrorKind.InvalidResult, false)]
    public void An_HTTP_error_without_type_names_its_status_and_never_quotes_the_body(HttpStatusCode status, string errorId, ErrorKind kind, bool transient)
    {
        var ex = Http(status);
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(transient, ex.IsTransient);
        Assert.Contains($"HTTP {(int)status}", ex.Message);
        Assert.Equal((int)status, ex.Data["HttpStatusCode"]);
        Assert.DoesNotContain("body-marker", ex.Message);
        Assert.DoesNotContain("Exception of type", ex.Message);
    }

    [Fact]
    public void An_unreadable_answer_is_KmsAnswerInvalid_and_transient()
    {
        var inner = new System.Text.Json.JsonException("'<' is an invalid start of a value: body-marker");
        var ex = KmsErrorTranslator.Translate(
            new Amazon.Runtime.AmazonUnmarshallingException("req", "", inner, HttpStatusCode.OK), "ImportKeyMaterial", "key-1", "eu-west-2");
        Assert.Equal(ErrorIds.AnswerInvalid, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidResult, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.Contains("HTTP 200", ex.Message);
        Assert.DoesNotContain("body-marker", ex.Message);
    }

    [Fact]
    public void A_KMS_message_is_kept_on_one_short_line()
    {
        var ex = KmsErrorTranslator.Translate(
            new AmazonKeyManagementServiceException("line1\r\nline2" + new string('x', 1000)) { ErrorCode = "NotFoundException", StatusCode = HttpStatusCode.BadRequest },
            "DescribeKey", "key-1", "eu-west-2");
        Assert.DoesNotContain("\n", ex.Message);
        Assert.True(ex.Message.Length < 700, ex.Message.Length.ToString());
    }

    [Fact]
    public void An_unexpected_exception_gives_its_type_not_its_message()
    {
        var ex = KmsErrorTranslator.Translate(new InvalidOperationException("secret-marker"), "DescribeKey", "key-1", "eu-west-2");
        Assert.Equal(ErrorIds.KmsError, ex.ErrorId);
        Assert.DoesNotContain("secret-marker", ex.Message);
        Assert.Contains("InvalidOperationException", ex.Message);
    }
}
