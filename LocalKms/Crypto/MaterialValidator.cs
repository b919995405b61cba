using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace LocalKms.Crypto;

/// <summary>
/// Checks unwrapped key material against the KeySpec of the KMS key, as KMS does on import, and returns the
/// canonical form LocalKms stores (raw bytes for symmetric/HMAC, .NET's PKCS#8 re-encoding for asymmetric).
/// Throws <see cref="InvalidMaterialException"/> with a reason that never contains key bytes.
/// </summary>
internal static class MaterialValidator
{
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    public static byte[] Validate(string keySpec, byte[] material)
    {
        if (KmsNames.IsSymmetric(keySpec))
        {
            if (material.Length != 32)
            {
                throw new InvalidMaterialException($"SYMMETRIC_DEFAULT key material must be exactly 32 bytes (256 bits); got {material.Length} bytes.");
            }

            return material.ToArray();
        }

        if (KmsNames.IsHmac(keySpec))
        {
            int min = KmsNames.HmacMinBytes(keySpec);
            if (material.Length < min || material.Length > 128)
            {
                throw new InvalidMaterialException($"{keySpec} key material must be {min} to 128 bytes; got {material.Length} bytes.");
            }

            return material.ToArray();
        }

        if (KmsNames.IsRsa(keySpec))
        {
            return ValidateRsa(keySpec, material);
        }

        if (KmsNames.IsEcc(keySpec))
        {
            return ValidateEc(keySpec, material);
        }

        throw new InvalidMaterialException($"Key material cannot be imported into a {keySpec} key.");
    }

    private static (string Oid, ReadOnlyMemory<byte>? Parameters, ReadOnlyMemory<byte> PrivateKey) ParsePkcs8(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader seq = reader.ReadSequence();
            if (reader.HasData)
            {
                throw new InvalidMaterialException("The key material has data after the PKCS#8 structure.");
            }

            if (!seq.TryReadInt32(out int version) || version is not (0 or 1))
            {
                throw new InvalidMaterialException("The key material is not a PKCS#8 PrivateKeyInfo (bad version).");
            }

            AsnReader alg = seq.ReadSequence();
            string oid = alg.ReadObjectIdentifier();
            ReadOnlyMemory<byte>? parameters = alg.HasData ? alg.ReadEncodedValue() : null;
            ReadOnlyMemory<byte> privateKey = seq.ReadOctetString();
            return (oid, parameters, privateKey);
        }
        catch (AsnContentException)
        {
            throw new InvalidMaterialException("The key material is not a DER-encoded PKCS#8 private key.");
        }
    }

    private static byte[] ValidateRsa(string keySpec, byte[] der)
    {
        (string oid, _, ReadOnlyMemory<byte> inner) = ParsePkcs8(der);
        if (oid != RsaEncryptionOid)
        {
            throw new InvalidMaterialException($"An {keySpec} key needs a PKCS#8 RSA private key (rsaEncryption); got algorithm {oid}.");
        }

        try
        {
            AsnReader rsaSeq = new AsnReader(inner, AsnEncodingRules.DER).ReadSequence();
            if (!rsaSeq.TryReadInt32(out int v) || v != 0)
            {
                throw new InvalidMaterialException("Multi-prime RSA keys are not supported; the key must have exactly two primes.");
            }
        }
        catch (AsnContentException)
        {
            throw new InvalidMaterialException("The RSA private key inside the PKCS#8 structure is malformed.");
        }

        using var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(der, out int read);
            if (read != der.Length)
            {
                throw new InvalidMaterialException("The key material has data after the PKCS#8 structure.");
            }
        }
        catch (CryptographicException)
        {
            throw new InvalidMaterialException("The key material is not a valid PKCS#8 RSA private key.");
        }

        int bits = KmsNames.RsaBits(keySpec);
        if (rsa.KeySize != bits)
        {
            throw new InvalidMaterialException($"The RSA key has a {rsa.KeySize}-bit modulus; {keySpec} needs {bits} bits.");
        }

        RSAParameters p = rsa.ExportParameters(true);
        try
        {
            var n = new BigInteger(p.Modulus, isUnsigned: true, isBigEndian: true);
            var pp = new BigInteger(p.P, isUnsigned: true, isBigEndian: true);
            var qq = new BigInteger(p.Q, isUnsigned: true, isBigEndian: true);
            if (pp * qq != n)
            {
                throw new InvalidMaterialException("The RSA private key is inconsistent (p*q != n).");
            }

            using var pub = RSA.Create(new RSAParameters { Modulus = p.Modulus, Exponent = p.Exponent });
            byte[] probe = "LocalKms RSA consistency probe"u8.ToArray();
            byte[] sig = rsa.SignData(probe, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (!pub.VerifyData(probe, sig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                throw new InvalidMaterialException("The RSA private key does not match its public key.");
            }
        }
        catch (CryptographicException)
        {
            throw new InvalidMaterialException("The RSA private key is inconsistent.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p.D);
            CryptographicOperations.ZeroMemory(p.P);
            CryptographicOperations.ZeroMemory(p.Q);
            CryptographicOperations.ZeroMemory(p.DP);
            CryptographicOperations.ZeroMemory(p.DQ);
            CryptographicOperations.ZeroMemory(p.InverseQ);
        }

        return rsa.ExportPkcs8PrivateKey();
    }

    private static byte[] ValidateEc(string keySpec, byte[] der)
    {
        (string oid, ReadOnlyMemory<byte>? parameters, ReadOnlyMemory<byte> inner) = ParsePkcs8(der);
        if (oid != EcPublicKeyOid)
        {
            throw new InvalidMaterialException($"An {keySpec} key needs a PKCS#8 EC private key (id-ecPublicKey); got algorithm {oid}.");
        }

        string expectedCurve = KmsNames.CurveOid(keySpec);
        try
        {
            string? curve = null;
            if (parameters is { } prm)
            {
                var pr = new AsnReader(prm, AsnEncodingRules.DER);
                if (pr.PeekTag() != Asn1Tag.ObjectIdentifier)
                {
                    throw new InvalidMaterialException("The EC key uses explicit curve parameters; KMS accepts named curves only.");
                }

                curve = pr.ReadObjectIdentifier();
            }

            // RFC 5915 ECPrivateKey: version 1, privateKey, [0] parameters OPTIONAL, [1] publicKey OPTIONAL.
            AsnReader ec = new AsnReader(inner, AsnEncodingRules.DER).ReadSequence();
            if (!ec.TryReadInt32(out int v) || v != 1)
            {
                throw new InvalidMaterialException("The EC private key inside the PKCS#8 structure is malformed (RFC 5915 version).");
            }

            ec.ReadOctetString();
            var ctx0 = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (ec.HasData && ec.PeekTag() == ctx0)
            {
                AsnReader inParams = ec.ReadSequence(ctx0);
                if (inParams.PeekTag() != Asn1Tag.ObjectIdentifier)
                {
                    throw new InvalidMaterialException("The EC key uses explicit curve parameters; KMS accepts named curves only.");
                }

                string innerCurve = inParams.ReadObjectIdentifier();
                if (curve is not null && curve != innerCurve)
                {
                    throw new InvalidMaterialException("The EC key names two different curves.");
                }

                curve = innerCurve;
            }

            if (curve is null)
            {
                throw new InvalidMaterialException("The EC key does not name its curve.");
            }

            if (curve != expectedCurve)
            {
                throw new InvalidMaterialException($"The EC key is on curve {curve}; {keySpec} needs {expectedCurve}.");
            }
        }
        catch (AsnContentException)
        {
            throw new InvalidMaterialException("The EC private key inside the PKCS#8 structure is malformed.");
        }

        using var key = ECDsa.Create();
        ECParameters full;
        try
        {
            key.ImportPkcs8PrivateKey(der, out int read);
            if (read != der.Length)
            {
                throw new InvalidMaterialException("The key material has data after the PKCS#8 structure.");
            }

            full = key.ExportParameters(true);
        }
        catch (CryptographicException)
        {
            throw new InvalidMaterialException("The key material is not a valid PKCS#8 EC private key for this curve.");
        }

        try
        {
            if (!full.Curve.IsNamed || full.Curve.Oid.Value != expectedCurve)
            {
                throw new InvalidMaterialException($"The EC key is not on the named curve {keySpec} needs.");
            }

            // The public point must be the one the private scalar gives.
            using var fromD = ECDsa.Create(new ECParameters { Curve = full.Curve, D = full.D });
            ECParameters derived = fromD.ExportParameters(false);
            if (!derived.Q.X!.AsSpan().SequenceEqual(full.Q.X) || !derived.Q.Y!.AsSpan().SequenceEqual(full.Q.Y))
            {
                throw new InvalidMaterialException("The EC private key does not match its public key.");
            }
        }
        catch (CryptographicException)
        {
            throw new InvalidMaterialException("The EC private key is invalid.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(full.D);
        }

        return key.ExportPkcs8PrivateKey();
    }
}

internal sealed class InvalidMaterialException(string message) : Exception(message);
