# troly: one image, `troly run` as a non-root user, the SQLite database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TROLY_HTTP_HOST=0.0.0.0 \
    TROLY_HTTP_PORT=8080 \
    TROLY_DATABASE_URL=sqlite+aiosqlite:////data/troly.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
COPY scheduler ./scheduler
RUN pip install . \
    && useradd --create-home --uid 10001 troly \
    && mkdir -p /data && chown troly:troly /data

USER troly
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"
CMD ["troly", "run"]
