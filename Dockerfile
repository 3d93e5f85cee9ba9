# heartstopper-bot as a container: a build stage makes a virtual environment with the bot and its
# PostgreSQL and Redis support; the runtime stage copies that environment only (no compiler, no
# pip cache, no source tree) and runs it as an unprivileged user with its data in a volume.
#
#   podman build -t heartstopper-bot .        (or: docker build -t heartstopper-bot .)
#   printf 'DISCORD_TOKEN=%s\n' "$TOKEN" > bot.env && chmod 600 bot.env
#   podman run -d --name heartstopper-bot --env-file bot.env -v heartstopper-bot-data:/var/lib/heartstopper-bot \
#       -p 127.0.0.1:8080:8080 heartstopper-bot
#
# The env file holds only what you set: an empty line such as .env.example's "HEALTH_ADDRESS=" would
# override the image's value below and turn the health server (and so the HEALTHCHECK) off.
#
# BASE_IMAGE is any Debian-based image with python3 (3.11+) and its venv module; CI builds one from
# Debian's packages with mmdebstrap (.ci/container-check), as no registry is reachable there.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    LANG=C.UTF-8
RUN python3 -m venv /opt/heartstopper-bot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY data ./data
# The project with its PostgreSQL (asyncpg) and Redis extras, then pip itself leaves the environment:
# the runtime needs neither pip nor setuptools.
RUN /opt/heartstopper-bot/bin/pip install '.[postgresql,redis]' \
 && /opt/heartstopper-bot/bin/pip check \
 && /opt/heartstopper-bot/bin/pip uninstall --yes pip setuptools \
 && /opt/heartstopper-bot/bin/heartstopper-bot --version

FROM ${BASE_IMAGE}
ARG BASE_IMAGE
ARG APP_UID=10001
LABEL org.opencontainers.image.title="heartstopper-bot" \
      org.opencontainers.image.description="A Discord bot for Heartstopper fan servers: cast and episode lookups, release countdowns and trivia." \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
# A fixed, unprivileged uid and gid, so volume and host file ownership stay the same across rebuilds.
RUN groupadd --gid ${APP_UID} heartstopper-bot \
 && useradd --uid ${APP_UID} --gid ${APP_UID} --home-dir /var/lib/heartstopper-bot --no-create-home --no-log-init \
      --shell /usr/sbin/nologin heartstopper-bot \
 && install -d -o ${APP_UID} -g ${APP_UID} -m 0750 /var/lib/heartstopper-bot
COPY --from=build /opt/heartstopper-bot /opt/heartstopper-bot
COPY deploy/healthcheck.py /usr/local/lib/heartstopper-bot/healthcheck.py
ENV PATH=/opt/heartstopper-bot/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/var/lib/heartstopper-bot/heartstopper.sqlite3 \
    HEALTH_ADDRESS=0.0.0.0:8080
VOLUME ["/var/lib/heartstopper-bot"]
WORKDIR /var/lib/heartstopper-bot
USER ${APP_UID}:${APP_UID}
EXPOSE 8080
# Healthy once /readyz answers 200: every shard READY, the database answering, the scheduler running.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "/usr/local/lib/heartstopper-bot/healthcheck.py"]
# The bot closes the gateway, finishes its writes and closes the database on SIGTERM, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["heartstopper-bot"]
