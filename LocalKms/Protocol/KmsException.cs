namespace LocalKms.Protocol;

/// <summary>An error answered as <c>{"__type": Type, "message": Message}</c> with <see cref="Status"/>.</summary>
internal sealed class KmsException(string type, string message, int status = 400) : Exception(message)
{
    public string Type { get; } = type;

    public int Status { get; } = status;

    public static KmsException NotFound(string message) => new("NotFoundException", message);

    public static KmsException InvalidArn(string message) => new("InvalidArnException", message);

    public static KmsException InvalidState(string message) => new("KMSInvalidStateException", message);

    public static KmsException Disabled(string message) => new("DisabledException", message);

    public static KmsException Unsupported(string message) => new("UnsupportedOperationException", message);

    public static KmsException Validation(string message) => new("ValidationException", message);

    public static KmsException Serialization(string message) => new("SerializationException", message);

    public static KmsException InvalidKeyUsage(string message) => new("InvalidKeyUsageException", message);

    public static KmsException InvalidCiphertext(string message) => new("InvalidCiphertextException", message);

    public static KmsException IncorrectKeyMaterial(string message) => new("IncorrectKeyMaterialException", message);

    public static KmsException InvalidImportToken(string message) => new("InvalidImportTokenException", message);

    public static KmsException ExpiredImportToken(string message) => new("ExpiredImportTokenException", message);

    public static KmsException LimitExceeded(string message) => new("LimitExceededException", message);

    public static KmsException AlreadyExists(string message) => new("AlreadyExistsException", message);

    public static KmsException Internal(string message) => new("KMSInternalException", message, 500);

    public static KmsException Throttling(string message) => new("ThrottlingException", message);

    /// <summary>The model's phrasing for a missing required member.</summary>
    public static KmsException Missing(string member) =>
        Validation($"1 validation error detected: Value null at '{Camel(member)}' failed to satisfy constraint: Member must not be null");

    public static KmsException Constraint(string member, string shownValue, string constraint) =>
        Validation($"1 validation error detected: Value '{shownValue}' at '{Camel(member)}' failed to satisfy constraint: {constraint}");

    public static string Camel(string member) => member.Length == 0 ? member : char.ToLowerInvariant(member[0]) + member[1..];
}
