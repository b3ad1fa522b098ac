"""dkim_keys - RSA key pairs for tests that sign mail and publish the key.

Exported:
    rsa_key_pair(bits=2048)    -> (PEM private key bytes, PKCS#1 form;
                                   base64 DER SubjectPublicKeyInfo, the p=
                                   value of a DKIM key record)

Needs python3-cryptography (Debian's /usr/bin/python3); imported when
called, so a test can report the missing module through TAP.need first.
"""
import base64


def rsa_key_pair(bits=2048):
    """rsa_key_pair - a fresh RSA key: (PEM private, base64 DER public)"""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()
