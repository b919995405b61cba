namespace KmsImport { internal static class Placeholder { } }
