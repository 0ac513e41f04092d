"""Mutation testing by hand: named mutants, chosen tests, one mutant at a time (README, "Mutation testing").

`make mutants` runs every test of the selection that calls a mutant's function; this runs the mutants
you name against the test files you name, stopping at the first failure, which is what a re-check of
PostgreSQL-only mutants or of a few unreached ones needs.

    .venv/bin/python tests/mutants_by_hand.py generate       # from the project root: (re)write mutants/
    cd mutants && ../.venv/bin/python tests/mutants_by_hand.py run LOG NAMES -- tests/...

`generate` writes mutants/ as `mutmut run` does before it runs anything (delete mutants/ first: mutmut
does not refresh the files it copies unmutated). `run` reads mutant names (one a line, as
`mutmut show` takes them) from NAMES and appends "name, killed/survived, seconds, first failure" to
LOG; each mutant's pytest output goes to LOG.d/NAME.txt. Like mutmut, it imports and collects once,
then forks a child per mutant with MUTANT_UNDER_TEST set. The parent runs no test, so a query compiled
once per process (config/compiled_query.py: POLICY_STATEMENT) is compiled in each child, with its
mutant. PostgreSQL: one run per database (every child uses the same test database, --reuse-db).
"""

import os
import sys
import time

DESELECT = "--deselect=tests/audit/test_actions.py::test_every_action_and_outcome_written_in_the_code_is_declared"


def generate() -> None:
    from mutmut.__main__ import (
        copy_also_copy_files,
        copy_src_dir,
        create_mutants,
        set_mutant_under_test,
        setup_source_paths,
    )

    set_mutant_under_test("mutant_generation")
    os.makedirs("mutants", exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    print(create_mutants(1))


def run(log_path: str, names_path: str, files: list[str]) -> None:
    import pytest

    with open(names_path) as lines:
        names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    os.environ["MUTANT_UNDER_TEST"] = ""
    base = ["-p", "no:cacheprovider", "--timeout=120", "--reuse-db", DESELECT]
    if pytest.main([*base, "--collect-only", "-q", *files]) != 0:
        sys.exit("collection failed")
    from resumes.services import reveal

    assert not reveal.POLICY_STATEMENT._compiled, "compiled in the parent: children would not see their mutant"
    os.makedirs(f"{log_path}.d", exist_ok=True)
    with open(log_path, "a") as log:
        for name in names:
            started = time.monotonic()
            output = f"{log_path}.d/{name}.txt"
            pid = os.fork()
            if pid == 0:
                fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.environ["MUTANT_UNDER_TEST"] = name
                code = pytest.main([*base, "-x", "-q", "-rfE", *files])
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(int(code))
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            verdict = {0: "survived", 1: "killed"}.get(code, f"exit {code}")
            with open(output) as lines:
                failed = next((line.strip()[:200] for line in lines if line.startswith("FAILED")), "")
            log.write(f"{name}\t{verdict}\t{time.monotonic() - started:.0f}s\t{failed}\n")
            log.flush()


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        generate()
    elif sys.argv[1:2] == ["run"] and "--" in sys.argv:
        split = sys.argv.index("--")
        run(*sys.argv[2:split], sys.argv[split + 1 :])
    else:
        sys.exit(__doc__)
