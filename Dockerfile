# syntax=docker/dockerfile:1
# The service image: one image for every process kind (web, workers, scheduler, migrate, doctor);
# compose.yaml picks the command. Multi-stage: wheels are built in the first stage, the runtime
# stage installs them without a compiler and runs as a non-root user.

FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip wheel
COPY pyproject.toml README.md ./
COPY src ./src
# The postgres and redis extras are what the production topology needs; the agents extra (crewai)
# is large and optional: build with --build-arg EXTRAS=postgres,redis,agents to include it.
ARG EXTRAS=postgres,redis
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[${EXTRAS}]"

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SALLA_OPTIMIZER_VAR_DIR=/var/lib/salla-optimizer
RUN groupadd --system --gid 10001 optimizer \
 && useradd --system --uid 10001 --gid optimizer --home-dir /var/lib/salla-optimizer --create-home optimizer
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl && rm -rf /wheels
USER optimizer
WORKDIR /var/lib/salla-optimizer
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["salla-optimizer"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
