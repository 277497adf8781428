"""Where each emulated endpoint lives on the sandbox server (one server, path prefixes per provider)."""

SANDBOX_DEFAULT_URL = "http://127.0.0.1:5001"


def provider_urls(base: str) -> dict[str, str]:
    """Return the app config keys that point EvoSync's clients at a sandbox served at ``base``."""
    base = base.rstrip("/")
    return {
        "EVOTOR_API_URL": f"{base}/evotor/api",
        "EVOTOR_AUTHORIZE_URL": f"{base}/evotor/oauth/authorize",
        "EVOTOR_TOKEN_URL": f"{base}/evotor/oauth/token",
        "VK_API_URL": f"{base}/vk/method",
        "VK_AUTHORIZE_URL": f"{base}/vkid/authorize",
        "VK_TOKEN_URL": f"{base}/vkid/oauth2/auth",
        "VK_USERINFO_URL": f"{base}/vkid/oauth2/user_info",
        "VK_REVOKE_URL": f"{base}/vkid/oauth2/revoke",
    }
