# troly: one image, `troly run` as a non-root user (uid 10001); SQLite on the /data volume, or
# PostgreSQL with TROLY_DATABASE_URL. Builds with the classic builder and with BuildKit.

# ---- troly's own wheel (its build/ and egg-info stay in this stage)
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
COPY rules ./rules
COPY scheduler ./scheduler
RUN pip wheel --quiet --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /wheel .

# ---- the image
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TROLY_HTTP_HOST=0.0.0.0 \
    TROLY_HTTP_PORT=8080 \
    TROLY_DATABASE_URL=sqlite+aiosqlite:////data/troly.db

# Dependencies first, exactly as locked (versions and hashes): a code change reuses this layer.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --quiet --require-hashes --no-deps -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

# The troly user owns /data, the working directory (reports written with a relative path land
# there) and the only place troly writes: the image runs with --read-only as it is.
RUN useradd --create-home --uid 10001 --user-group troly \
    && mkdir -p /data && chown troly:troly /data

COPY --from=wheel /wheel /tmp/wheel
RUN pip install --quiet --no-deps /tmp/wheel/*.whl && rm -rf /tmp/wheel
# import file examples and docs: docker exec … troly units import /app/docs/examples/don-vi.csv
COPY docs /app/docs

WORKDIR /data
USER troly
VOLUME ["/data"]
EXPOSE 8080
# healthy as soon as the web server answers (checked every 10 s; failures in the first 120 s, while
# migrations run and the index is built, do not count)
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TROLY_HTTP_PORT', '8080'), timeout=4)"]
# exec form: troly is PID 1 and gets SIGTERM from `docker stop` (it stops cleanly, exit 0)
CMD ["troly", "run"]
