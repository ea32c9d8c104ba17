"""One HTTP exchange over a shared requests.Session, with failures sorted by what they mean.

The sorting matters for triggers: a request that provably never reached the server may be sent
again; one that may have reached it must not be, or the process could run twice.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
import truststore
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError

from robocloud_desktop import __version__
from robocloud_desktop.core.errors import CannotConnect, OutcomeUnknown, RequestTimeout, UnexpectedAnswer
from robocloud_desktop.core.redact import SECRET_HEADER, install_log_redaction
from robocloud_desktop.core.target import Target

log = logging.getLogger(__name__)

USER_AGENT = f"robocloud-desktop/{__version__} python-requests/{requests.__version__}"
# Connect quickly or say so; give the server time to answer a trigger.
DEFAULT_TIMEOUT = (6.0, 30.0)
MAX_BODY_BYTES = 2 * 1024 * 1024


class _SystemTrustAdapter(HTTPAdapter):
    """Verifies TLS against the operating system's trust store instead of certifi's bundle."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would add certifi's bundle to the context; the system store is the point.
        if verify is True and url.lower().startswith("https"):
            conn.cert_reqs = "CERT_REQUIRED"
            return
        super().cert_verify(conn, url, verify, cert)


class NeverSent(CannotConnect):
    """The connection was never made (DNS failure, refused): sending again cannot duplicate."""


class TruncatedAnswer(UnexpectedAnswer):
    """Headers arrived but the body was cut off: the connection dropped mid-answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


def _reason(exc: BaseException) -> BaseException | None:
    reason = exc.args[0] if exc.args else None
    return getattr(reason, "reason", reason) if isinstance(reason, BaseException) else None


class Transport:
    """Sends requests for the client. Thread-safe: requests' session pools are shared safely."""

    def __init__(self, *, timeout: tuple[float, float] = DEFAULT_TIMEOUT, pool_size: int = 16) -> None:
        install_log_redaction()
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.mount("https://", _SystemTrustAdapter(pool_connections=4, pool_maxsize=pool_size))
        self._session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=pool_size))
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def send(self, method: str, target: Target, url: str, secret: str, body: bytes | None = None) -> Answer:
        headers = {"Accept": "application/json"}
        params = None
        if target.secret_in_query:
            params = {SECRET_HEADER: secret}
        else:
            headers[SECRET_HEADER] = secret
        if body is not None:
            headers["Content-Type"] = "application/json"
        # Environment proxies apply to real hosts, never to this computer: a corporate proxy
        # cannot reach the emulator on loopback.
        proxies = {"no_proxy": target.host} if target.is_loopback else None
        started = time.monotonic()
        try:
            response = self._session.request(
                method, url, params=params, data=body, headers=headers, timeout=self.timeout,
                allow_redirects=False, stream=True, proxies=proxies,
            )
        except requests.exceptions.SSLError:
            raise CannotConnect(
                f"The secure connection to {target.host} failed (TLS certificate or handshake). If you are "
                "behind a company proxy, make sure its certificate is trusted by this computer."
            ) from None
        except requests.exceptions.ProxyError:
            raise CannotConnect(
                f"The proxy refused or failed the connection to {target.host}. "
                "Check the HTTPS_PROXY / NO_PROXY settings and that the proxy is running."
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise NeverSent(
                f"Could not connect to {target.host} within {self.timeout[0]:.0f} s. "
                "Check your network, VPN or proxy, and try again."
            ) from None
        except requests.exceptions.ReadTimeout:
            if method == "POST":
                raise OutcomeUnknown(
                    f"The trigger was sent, but {target.host} did not answer within {self.timeout[1]:.0f} s: "
                    "the run may or may not have started. Check Control Room before triggering again."
                ) from None
            raise RequestTimeout(
                f"{target.host} did not answer within {self.timeout[1]:.0f} s. "
                "Check your network and try again."
            ) from None
        except requests.exceptions.ConnectionError as exc:
            raise self._connection_error(method, target, exc) from None
        try:
            content = response.raw.read(MAX_BODY_BYTES, decode_content=True) or b""
        except Exception:
            # Headers arrived, the body did not: a truncated answer or a connection dropped mid-way.
            raise self._truncated(method, target, response.status_code) from None
        finally:
            response.close()
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > len(content) and len(content) < MAX_BODY_BYTES:
            raise self._truncated(method, target, response.status_code)
        elapsed = time.monotonic() - started
        log.debug("%s %s -> %s in %.0f ms", method, url, response.status_code, elapsed * 1000)
        return Answer(response.status_code, dict(response.headers), content, elapsed)

    @staticmethod
    def _truncated(method: str, target: Target, status: int) -> TruncatedAnswer:
        after = (" The run may have started: check Control Room before triggering again."
                 if method == "POST" and status < 300 else " Try again.")
        return TruncatedAnswer(
            f"{target.host} answered HTTP {status} but the body was cut off.{after}", status=status
        )

    @staticmethod
    def _connection_error(method: str, target: Target, exc: requests.exceptions.ConnectionError) -> Exception:
        reason = _reason(exc)
        if isinstance(reason, NameResolutionError):
            return NeverSent(
                f"The host name {target.host} could not be resolved. "
                "Check the base URL for typos and that you are online (and on the VPN if one is needed)."
            )
        if isinstance(reason, NewConnectionError):
            return NeverSent(
                f"{target.host} refused the connection or could not be reached. "
                "Check the base URL and port, and your network."
            )
        if method == "POST":
            return OutcomeUnknown(
                f"The connection to {target.host} was lost after the trigger was sent: the run may or may "
                "not have started. Check Control Room before triggering again."
            )
        return CannotConnect(
            f"The connection to {target.host} was lost before an answer arrived. Try again."
        )
