# tally-agent image. Build from the repository root:
#   docker build -f deploy/agent.Dockerfile -t tally-agent .
# The BPF objects are committed (bpf/*.o), so the build needs no clang.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -X github.com/tallyhq/tally.Version=${VERSION}" -o /tally-agent ./node-agent

FROM gcr.io/distroless/static-debian12
COPY --from=build /tally-agent /tally-agent
ENTRYPOINT ["/tally-agent"]
