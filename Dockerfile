# newsbot as a container: the bot with TELEGRAM_BOT_TOKEN, else the sandbox's chat page on 8080.
#   docker build -t newsbot .
#   docker run --rm -p 127.0.0.1:8080:8080 -v newsbot-data:/data newsbot          # sandbox
#   docker run -d --env-file .env -v newsbot-data:/data newsbot                     # the bot
# or `docker compose up` (compose.yaml). The database lives on the /data volume.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Installed as a package (console scripts, templates, seed articles in the wheel); the source
# folder goes once it is installed, so the image holds one copy of the code.
COPY . /tmp/newsbot-src
RUN pip install /tmp/newsbot-src && rm -rf /tmp/newsbot-src

# A user of its own, owning only the data folder; numeric, so a runtime can tell it is not root.
RUN groupadd --system --gid 10001 newsbot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin newsbot \
    && mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# The database, its lock and the sandbox's chats; relative paths in .env land here too.
ENV NEWSBOT_DB=/data/newsbot.db

# The sandbox's chat page (no token). A webhook (WEBHOOK_URL) listens on PORT, 8443 by default;
# metrics on NEWSBOT_METRICS (e.g. 0.0.0.0:9100): publish those when you use them.
EXPOSE 8080

# Settings, database, templates and corpus folders: exit 0 when all is well.
HEALTHCHECK --interval=1m --timeout=30s --start-period=30s --retries=3 \
    CMD ["newsbot", "--check"]

# 0.0.0.0: the sandbox's page must be reachable through the published port.
CMD ["newsbot", "--host", "0.0.0.0", "--port", "8080"]
