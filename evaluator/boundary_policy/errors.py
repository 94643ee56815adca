"""The exceptions of boundary-policy: one root, so a caller can catch everything the package raises on purpose.

Every error the package raises for bad input or an unusable setup derives from `BoundaryPolicyError`; the
commands turn them into a message and exit code 2 (1 is only for findings). The tree:

    BoundaryPolicyError
    ├── LocatedError                 has .file and .line (the object as written)
    │   ├── TemplateError            gatekeeper.templates: a ConstraintTemplate Gatekeeper would refuse
    │   ├── ConstraintError          gatekeeper.constraints: a Constraint Gatekeeper would refuse
    │   └── ExpansionError           gatekeeper.expansion: an ExpansionTemplate Gatekeeper would refuse
    ├── ExpansionFailure             gatekeeper.expansion: an object the expansion cannot expand
    ├── MatchError                   gatekeeper.match: the matcher cannot decide (an autoreject result)
    ├── SelectorError                gatekeeper.match: a label selector Gatekeeper would refuse
    ├── GoRegexError                 gatekeeper.goregex: a Go regular expression that cannot be translated
    ├── ScalarError, ConversionError loading: a YAML value or document that is not a Kubernetes object
    ├── BundleNotFoundError          bundle: no policies/ or gatekeeper/ to read
    ├── CatalogError                 authoring.catalog: a rule's METADATA is missing or invalid
    ├── PipelineError                pipeline: eval cannot complete (inventory, templates, constraints)
    ├── SuiteError                   suites.model: a Suite path or file that cannot be read
    ├── InvalidAdmissionReview       suites.admission: an AdmissionReview case object gator would refuse
    ├── UnknownFormatError           reporters: an output format that has no reporter
    ├── NodeFactsError               nodefacts: facts could not be read or written
    ├── EngineError                  engine: a Rego parse, compile or evaluation error (kind, file, line)
    └── EngineUnavailable            engine: the chosen engine cannot run (library not built, no opa, no server)
"""

from __future__ import annotations

__all__ = ["BoundaryPolicyError", "LocatedError"]


class BoundaryPolicyError(Exception):
    """Root of every error boundary-policy raises on purpose."""


class LocatedError(BoundaryPolicyError):
    """A problem with a file and (when known) a line, e.g. a template Gatekeeper would refuse."""

    def __init__(self, message: str, file: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"
