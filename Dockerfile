# doraspace: the daemon (`doraspace serve`) in a slim Python 3.11 image.
# The install mirrors the README: uv syncs the locked dependencies (uv.lock), never downloading a Python.
FROM python:3.11-slim

ENV UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/doraspace/.venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DORASPACE_CONFIG=/etc/doraspace/doraspace.yaml

RUN pip install --no-cache-dir uv

WORKDIR /opt/doraspace
COPY pyproject.toml uv.lock README.md ./
COPY store ./store
COPY collector ./collector
COPY analytics ./analytics
COPY dashboards ./dashboards
COPY surveys ./surveys
COPY doraspace ./doraspace
RUN uv sync --frozen --no-dev --python python3.11

# Never run as root; the store (DuckDB file) lives on the data volume.
RUN useradd --system --uid 10001 --home-dir /var/lib/doraspace doraspace \
    && mkdir -p /var/lib/doraspace /etc/doraspace \
    && chown doraspace /var/lib/doraspace
USER doraspace
WORKDIR /var/lib/doraspace
VOLUME ["/var/lib/doraspace"]

# Config by mount (/etc/doraspace/doraspace.yaml) or DORASPACE_CONFIG; tokens only from the environment
# (GITHUB_TOKEN, PAGERDUTY_TOKEN) or mounted files (token_file:), never baked into the image.
EXPOSE 9464
# /healthz needs no credentials; HTTPS too, for when http.tls is on.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/opt/doraspace/.venv/bin/python", "-m", "doraspace.healthcheck", "http://127.0.0.1:9464/healthz", "https://127.0.0.1:9464/healthz"]

ENTRYPOINT ["/opt/doraspace/.venv/bin/doraspace"]
CMD ["serve"]
