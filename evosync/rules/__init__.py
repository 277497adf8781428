"""Pure filter engine (docs/filters.md): which stores, groups and products sync, and the reason shown for each."""

from . import reasons
from .engine import Resolver, RuleSet, evaluate, modes
from .evaluation import Evaluation
from .types import ENTITY_TYPES, RULE_MODES, Counts, Decision, GroupNode, ProductNode, Rule, StoreNode

__all__ = [
    "ENTITY_TYPES",
    "RULE_MODES",
    "Counts",
    "Decision",
    "Evaluation",
    "GroupNode",
    "ProductNode",
    "Resolver",
    "Rule",
    "RuleSet",
    "StoreNode",
    "evaluate",
    "modes",
    "reasons",
]
