"""Token encryption at rest: MultiFernet over TOKEN_KEYS (the first key encrypts, every key decrypts)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class VaultError(RuntimeError):
    """TOKEN_KEYS is missing or malformed, or a stored token cannot be decrypted with any key."""


class TokenVault:
    """Encrypts and decrypts provider tokens; never logs or echoes them."""

    def __init__(self, keys: str | list[str] | None) -> None:
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise VaultError("TOKEN_KEYS is not configured: set one or more comma-separated Fernet keys")
        try:
            self._fernets = [Fernet(k.encode() if isinstance(k, str) else k) for k in keys]
        except (ValueError, TypeError) as exc:
            raise VaultError("TOKEN_KEYS holds a value that is not a Fernet key") from exc
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        """Encrypt with the first key."""
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt with whichever key matches."""
        try:
            return self._multi.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise VaultError("a stored token cannot be decrypted with any key in TOKEN_KEYS") from None

    def is_current(self, ciphertext: str) -> bool:
        """True if ``ciphertext`` is already encrypted with the first key."""
        try:
            self._fernets[0].decrypt(ciphertext.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt ``ciphertext`` with the first key."""
        try:
            return self._multi.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise VaultError("a stored token cannot be decrypted with any key in TOKEN_KEYS") from None
