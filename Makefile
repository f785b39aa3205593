# ganlab: the two commands are `make lab` and `make test` (see README.md). The logic lives in scripts/.
.PHONY: lab test test-long setup tutorials lock-lab clean-notebooks clean-local help

help:
	@echo "make lab        set up (idempotent) and start JupyterLab on notebooks/ (127.0.0.1, with a token)"
	@echo "make test       set up, then go vet, go test and every notebook headless in quick mode"
	@echo "make test-long  set up, then the long checks: soak, classifier seeds, kill -9 rounds, 60 s fuzzing"
	@echo "make setup      only the set-up: .local/{venv,pjrt,bin,...}"
	@echo "make tutorials  execute the notebooks in full mode and render tutorials/NN_name.md and tutorials/pt-BR/"
	@echo "make clean-notebooks  strip outputs from notebooks/*.ipynb (before committing)"

lab:
	@bash scripts/lab.sh

test:
	@bash scripts/test.sh

test-long:
	@bash scripts/test.sh long

setup:
	@bash scripts/setup.sh

tutorials:
	@bash scripts/tutorials.sh

# Regenerate scripts/constraints-lab.txt (every package of the venv pinned) after changing requirements-lab.txt.
lock-lab:
	@bash scripts/lock-lab.sh

clean-notebooks: setup
	@.local/venv/bin/python scripts/clear_outputs.py notebooks/*.ipynb scripts/testdata/*.ipynb

# Removes every install of the set-up (venv, plugin, tools, caches, data).
clean-local:
	rm -rf .local out
