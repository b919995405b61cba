#!/usr/bin/env bash
# The seed procedure for one key, by hand, step by step as AWS documents it ("Importing key
# material: step 1-4"), with the aws CLI and OpenSSL. The benchmark times this script per key
# against the KmsImport pipeline. It only ever talks to the endpoint given as $1 (the local
# KMS-compatible endpoint on 127.0.0.1); it refuses anything else.
#
#   bench/manual-procedure.sh http://127.0.0.1:PORT
#
# Credentials and Region come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
# AWS_DEFAULT_REGION), as an operator's shell would have them. Prints the key id; exit code 0
# only when the key ends Enabled.
set -euo pipefail

endpoint="${1:?usage: manual-procedure.sh http://127.0.0.1:PORT}"
case "$endpoint" in
  http://127.0.0.1:*) ;;
  *) echo "refusing endpoint '$endpoint': only the local endpoint on 127.0.0.1" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
kms() { aws kms "$@" --endpoint-url "$endpoint"; }

# 1. Create a KMS key with no key material.
key_id="$(kms create-key --origin EXTERNAL --query KeyMetadata.KeyId --output text)"

# 2. Download the wrapping public key and import token (RSA_4096 + RSAES_OAEP_SHA_256, as
#    KmsImport picks by default), then base64-decode both.
kms get-parameters-for-import --key-id "$key_id" \
    --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_4096 \
    --query '[ImportToken, PublicKey]' --output text > params.txt
awk '{print $1}' params.txt > ImportToken.b64
awk '{print $2}' params.txt > PublicKey.b64
base64 -d ImportToken.b64 > ImportToken.bin
base64 -d PublicKey.b64 > PublicKey.bin

# 3. Generate 256-bit symmetric key material and wrap it with the public key.
openssl rand -out PlaintextKeyMaterial.bin 32
openssl pkeyutl -encrypt -in PlaintextKeyMaterial.bin -out EncryptedKeyMaterial.bin \
    -inkey PublicKey.bin -keyform DER -pubin \
    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256

# 4. Import the wrapped material.
kms import-key-material --key-id "$key_id" \
    --encrypted-key-material fileb://EncryptedKeyMaterial.bin \
    --import-token fileb://ImportToken.bin \
    --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE > /dev/null

# 5. Check that the key is Enabled.
state="$(kms describe-key --key-id "$key_id" --query KeyMetadata.KeyState --output text)"
if [ "$state" != "Enabled" ]; then
  echo "key $key_id is $state, not Enabled" >&2
  exit 1
fi
echo "$key_id"
