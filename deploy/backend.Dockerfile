# tally image (the backend and CLI: serve, ingest, pricing, commitments…).
# Build from the repository root:
#   docker build -f deploy/backend.Dockerfile -t tally .
# The dashboard's build (web/ui/dist) is committed and embedded, so the
# build needs no Node.js; timetzdata embeds the time zone database the
# weekly report's schedule reads (the runtime image has none).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags "-s -X github.com/tallyhq/tally.Version=${VERSION}" -o /tally ./cmd/tally

# nonroot: uid 65532, as deploy/backend.yaml runs it. It needs no
# PostgreSQL binaries: in a cluster it is given TALLY_DATABASE_URL.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /tally /tally
USER 65532:65532
ENTRYPOINT ["/tally"]
CMD ["serve"]
