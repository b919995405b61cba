using System.Text;

namespace KmsImport.Core.Crypto
{
    internal static class Hex
    {
        public static string Lower(byte[] data, int count = -1) => Encode(data, count < 0 ? data.Length : count, "0123456789abcdef");

        public static string Upper(byte[] data, int count = -1) => Encode(data, count < 0 ? data.Length : count, "0123456789ABCDEF");

        private static string Encode(byte[] data, int count, string digits)
        {
            var sb = new StringBuilder(count * 2);
            for (int i = 0; i < count; i++)
            {
                sb.Append(digits[data[i] >> 4]);
                sb.Append(digits[data[i] & 0xF]);
            }
            return sb.ToString();
        }
    }
}
