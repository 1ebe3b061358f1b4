"""The container's health check: /healthz of the API (PULSE_PORT) or, for a relay or a
worker, of its metrics server (PULSE_METRICS_PORT). Exit 0 when one answers 200."""

import os
import sys
import urllib.request


def healthy(port: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:
            return answer.status == 200
    except OSError:
        return False


ports = [os.environ.get("PULSE_PORT", "8000"), os.environ.get("PULSE_METRICS_PORT", "0")]
sys.exit(0 if any(healthy(port) for port in ports if port not in ("", "0")) else 1)
