# syntax=docker/dockerfile:1
# One image for every process role of Pulse ERP; the command picks the role:
#   serve [--workers N]              the API (services mode)
#   serve --consumers analytics      the analytics process (projector, /query, live push)
#   worker [consumers]               consumers, no API
#   relay                            the outbox relay
#   init                             migrations and the first admin (a one-shot job)
#   up                               the embedded mode (SQLite, one process)
# Build for both architectures (docs/DEPLOYMENT.md):
#   docker buildx build --platform linux/amd64,linux/arm64 -t pulse-erp:latest .

# --- the web app: built once on the build machine's own platform (its output is plain files)
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS web
WORKDIR /web
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_config_update_notifier=false
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- the locked Python dependencies (runtime only) in /app/.venv
FROM python:3.11-slim-bookworm AS python-deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN pip install uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3.11
COPY src/ src/
COPY migrations/ migrations/
COPY alembic.ini ./
# The project itself (editable: migrations and the web app are found beside src/).
RUN uv sync --frozen --no-dev --python /usr/local/bin/python3.11

# --- the runtime: slim Python, no build tools, no Node, a user without privileges
FROM python:3.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="Pulse ERP" \
      org.opencontainers.image.description="Orders, inventory, billing and live BI" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 pulse \
 && useradd --system --uid 10001 --gid pulse --home-dir /var/lib/pulse --shell /usr/sbin/nologin pulse \
 && mkdir -p /var/lib/pulse \
 && chown pulse:pulse /var/lib/pulse
WORKDIR /app
COPY --from=python-deps /app /app
COPY --from=web /web/dist /app/web/dist
COPY deploy/docker/entrypoint.sh deploy/docker/healthcheck.py /usr/local/bin/
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PULSE_DATA_DIR=/var/lib/pulse \
    PULSE_WEB_DIR=/app/web/dist \
    PULSE_HOST=0.0.0.0 \
    PULSE_PORT=8000
USER 10001:10001
VOLUME ["/var/lib/pulse"]
EXPOSE 8000 9100
# The API answers /healthz on PULSE_PORT; a relay or worker on PULSE_METRICS_PORT.
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
  CMD ["python", "/usr/local/bin/healthcheck.py"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["serve"]
