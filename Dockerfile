# Cầu Nối bot image: `docker run -e CAUNOI_TELEGRAM_BOT_TOKEN=… -v caunoi-data:/data caunoi` runs `caunoi run`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CAUNOI_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md requirements.txt ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip install --no-cache-dir -r requirements.txt && pip install --no-cache-dir --no-deps . && useradd --system --home /data caunoi && mkdir -p /data && chown caunoi /data

USER caunoi
VOLUME ["/data"]
EXPOSE 8080
CMD ["caunoi", "run"]
