# Build the release binary, then run it on a slim image with only libpq and CA certificates.
FROM rust:1.88-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked --bin hamkke

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/hamkke hamkke \
    && mkdir -p /var/lib/hamkke && chown hamkke /var/lib/hamkke
COPY --from=build /src/target/release/hamkke /usr/local/bin/hamkke
USER hamkke
WORKDIR /var/lib/hamkke
ENV HAMKKE_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["hamkke"]
CMD ["serve"]
