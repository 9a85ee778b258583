# paperboy — run "make" for the list of targets.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 30s
# The race detector needs cgo, which needs a C compiler; without one the
# tests still run, without -race, and say so.
RACE     := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && echo -race)

.DEFAULT_GOAL := help
.PHONY: help run test lint build release plugins proto fuzz bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: build plugins ## the server on :8080 with SQLite in data/, and how to attach a printer
	@echo "paperboy: serving on http://localhost:8080 with SQLite in data/paperboy.db."
	@echo "Open http://localhost:8080 and sign up, or, for the API, in another terminal:"
	@echo "  TOKEN=\$$(bin/paperboy user add --name You you@example.com)   # a user; prints their API token"
	@echo "  bin/paperboy printer --show --claim \"\$$TOKEN\"        # a virtual printer, claimed by that user"
	@echo "and then print on it:"
	@echo "  curl -H \"Authorization: Bearer \$$TOKEN\" -H 'Content-Type: application/json' -d '{\"text\": \"hello\"}' localhost:8080/api/v1/printers/1/print"
	@echo
	./$(BIN)/paperboy serve --listen :8080

test: lint ## gofmt, go vet and every test (with -race when cgo is available)
	@[ -n "$(RACE)" ] || echo "make test: no C compiler, so cgo is off: running WITHOUT -race (install gcc for it)" >&2
	@[ -n "$$PAPERBOY_TEST_MYSQL_DSN" ] || echo "make test: PAPERBOY_TEST_MYSQL_DSN is not set, so the MySQL cases SKIP (.ci/run sets it; see the README)" >&2
	@if [ -n "$$PAPERBOY_CHROMIUM" ]; then command -v "$$PAPERBOY_CHROMIUM"; else command -v chromium || command -v chromium-browser || command -v google-chrome || ls /usr/bin/chromium; fi >/dev/null 2>&1 \
	  || echo "make test: Chromium not found, so the browser tests SKIP (install Debian's chromium or set PAPERBOY_CHROMIUM; see the README)" >&2
	$(GO) test $(RACE) -count=1 ./...

# staticcheck, pinned, built into bin/tools the first time: a fresh machine
# needs nothing but Go.
STATICCHECK := $(BIN)/tools/staticcheck
STATICCHECK_VERSION := v0.8.2

lint: $(STATICCHECK) ## go vet, gofmt and staticcheck
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(abspath $(BIN))/tools $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

build: ## bin/paperboy
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/paperboy ./cmd/paperboy

# The release: static binaries (no cgo: the SQLite driver is pure Go), one a
# platform, named paperboy-VERSION-OS-ARCH. linux/arm is built for ARMv6
# (GOARM=6, which Go reads only for arm): it runs on every Raspberry Pi with a
# 32-bit OS, the Zero and the 1 included; ARMv7 boards run it too.
DIST      := dist
PLATFORMS := linux/amd64 linux/arm64 linux/arm darwin/arm64 darwin/amd64
SHA256SUM := $(shell command -v sha256sum >/dev/null 2>&1 && echo sha256sum || echo shasum -a 256)

release: ## static binaries for Linux and macOS in dist/, and dist/SHA256SUMS
	rm -rf $(DIST)
	@mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
	  out=$(DIST)/paperboy-$(VERSION)-$${p%/*}-$${p#*/}; echo "  $$out"; \
	  CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} GOARM=6 \
	    $(GO) build -trimpath -ldflags '-s -w $(LDFLAGS)' -o $$out ./cmd/paperboy; \
	done
	cd $(DIST) && $(SHA256SUM) paperboy-* > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

# The built-in publications are inside paperboy; this builds the ones of
# your own (paperboy plugin new makes one under plugins/) into the folder
# the server looks in.
PLUGINS_DIR ?= data/plugins

plugins: ## your own publications, each main package under plugins/, into data/plugins
	@pkgs=$$($(GO) list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' ./plugins/...); \
	  if [ -z "$$pkgs" ]; then echo "make plugins: no publications of your own under plugins/ (the built-in ones are inside paperboy)"; \
	  else mkdir -p $(PLUGINS_DIR) && echo "$(GO) build -o $(PLUGINS_DIR)/" $$pkgs && $(GO) build -o $(PLUGINS_DIR)/ $$pkgs; fi

# protoc (Debian: protobuf-compiler) and the two Go generators, pinned.
proto: ## regenerate sdk/pluginpb from publication.proto
	GOBIN=$(abspath $(BIN))/tools $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	GOBIN=$(abspath $(BIN))/tools $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
	PATH=$(abspath $(BIN))/tools:$$PATH protoc --go_out=. --go_opt=paths=source_relative \
	  --go-grpc_out=. --go-grpc_opt=paths=source_relative sdk/pluginpb/publication.proto

fuzz: ## every fuzz target for FUZZTIME each (default 30s)
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

bench: ## the benchmarks, with allocations
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean: ## remove build outputs
	rm -rf $(BIN) out $(DIST)
