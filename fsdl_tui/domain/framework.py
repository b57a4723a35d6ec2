"""The FSDL project-selection framework as data.

Content paraphrased from Full Stack Deep Learning 2022, lecture 1 "Course vision and when to use ML"
(Josh Tobin, Charles Frye, Sergey Karayev), with detail from the FSDL 2021 "ML projects" lecture and the
2019 "Setting up ML projects" notes. Every screen, command and validator reads these tables, so the
framework lives in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

CREDIT = (
    "Framework: Full Stack Deep Learning 2022, lecture 1 'When to use ML' (Josh Tobin, Charles Frye, Sergey Karayev)."
)


@dataclass(frozen=True, slots=True)
class Item:
    """One named element of the framework: an id used in files, a label and a question or description."""

    id: str
    label: str
    question: str


# --- 1. The gate: ready / need / ethics -------------------------------------------------------------

GATE_ITEMS: tuple[Item, ...] = (
    Item("product", "Ready: product", "Is there a product for ML to plug into?"),
    Item("data", "Ready: data", "Is data already collected and stored in a sane way?"),
    Item("people", "Ready: people", "Are the right people on the team?"),
    Item("need", "Need: worth solving", "Does the problem need solving at all?"),
    Item("rules_first", "Need: rules first", "Have rules or simple statistics been tried first?"),
    Item("ethics", "Ethics", "Is it ethical to solve this with ML?"),
)

# --- 2. Impact lenses -------------------------------------------------------------------------------

IMPACT_LENSES: tuple[Item, ...] = (
    Item(
        "cheap_prediction",
        "Cheap prediction",
        "Where would cheap prediction change important decisions? (Prediction Machines)",
    ),
    Item("product_friction", "Product friction", "Where is there friction in the product?"),
    Item(
        "automation",
        "Automating complex manual work",
        "What complex, hand-written or manual process could be learned instead? (Software 2.0)",
    ),
    Item("peers", "What peers do", "What are peers doing? (papers, engineering blogs of leading companies)"),
)

# --- 3. Cost drivers, in the lecture's order of importance --------------------------------------------


@dataclass(frozen=True, slots=True)
class CostDriver:
    id: str
    label: str
    low: str  # meaning of 1
    high: str  # meaning of 5
    considerations: tuple[str, ...]


COST_DRIVERS: tuple[CostDriver, ...] = (
    CostDriver(
        "data_availability",
        "Data availability",
        "scarce",
        "abundant",
        (
            "How hard is the data to acquire?",
            "How expensive is labeling?",
            "How much data is needed?",
            "How stable is the data?",
            "What are the data security requirements?",
        ),
    ),
    CostDriver(
        "accuracy_requirement",
        "Accuracy requirement",
        "lenient",
        "near-perfect",
        (
            "How costly are wrong predictions?",
            "How often must the system be right to be useful?",
            "What are the ethical implications?",
            "Cost grows super-linearly: each extra 'nine' needs much more data and better labels.",
        ),
    ),
    CostDriver(
        "problem_difficulty",
        "Problem difficulty",
        "solved",
        "research",
        (
            "Is the problem well defined?",
            "Is there good published work on similar problems?",
            "What are the compute requirements?",
            "Can a human do it? (Anything a person does in under a second can likely be automated.)",
        ),
    ),
)

DIFFICULTY_FLAGS: tuple[Item, ...] = (
    Item(
        "complex_output",
        "Complex output",
        "Is the output high-dimensional or ambiguous (3D, video, dialog, open-ended recommendations)?",
    ),
    Item(
        "reliability_required",
        "Reliability required",
        "Must it be highly precise and robust, failing safely out of distribution or under attack?",
    ),
    Item(
        "generalization_required",
        "Generalization required",
        "Must it handle out-of-distribution data, reasoning, planning or causality, or learn from small data?",
    ),
)

# --- Feasibility assessment steps A-G ----------------------------------------------------------------

FEASIBILITY_STEPS: tuple[Item, ...] = (
    Item("a_need_ml", "A. Need ML?", "Are you sure you need ML at all?"),
    Item("b_success_criteria", "B. Success criteria", "Are success criteria defined with all stakeholders?"),
    Item("c_ethics", "C. Ethics", "Have the ethics been considered?"),
    Item("d_literature", "D. Literature review", "Has a literature review been done?"),
    Item("e_benchmark", "E. Labeled benchmark", "Is there a rapidly built labeled benchmark dataset?"),
    Item("f_minimum_model", "F. Minimum model", "Is there a minimum viable model (e.g. manual rules)?"),
    Item("g_still_need_ml", "G. Still need ML?", "Are you still sure you need ML?"),
)

# --- 4. Product archetypes --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Archetype:
    id: str
    label: str
    description: str
    examples: tuple[str, ...]
    questions: tuple[Item, ...]
    on_2x2: str
    lever: str


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        "software-2.0",
        "Software 2.0",
        "Do something software does today, better, with ML.",
        ("code completion", "a custom recommender", "better game AI"),
        (
            Item("improves", "Improvement", "Do models truly improve performance?"),
            Item("business_value", "Business value", "Does the improvement create business value?"),
            Item("flywheel", "Data flywheel", "Does it start a data flywheel?"),
        ),
        "higher feasibility, lower impact",
        "A data loop (flywheel) raises impact.",
    ),
    Archetype(
        "human-in-the-loop",
        "Human-in-the-loop",
        "Help people do their jobs better; a human checks each output.",
        ("sketch to slides", "email auto-complete", "helping radiologists"),
        (
            Item("good_enough", "Good enough", "How good must the system be to be useful?"),
            Item("collect_data", "Collect data", "How can you collect enough data to make it that good?"),
        ),
        "middle of the 2x2",
        "Good product design and a 'good enough' release raise feasibility.",
    ),
    Archetype(
        "autonomous",
        "Autonomous system",
        "Take something humans do and automate it.",
        ("full self-driving", "automated customer support", "automated web design"),
        (
            Item("failure_rate", "Failure rate", "What failure rate is acceptable?"),
            Item("guarantee", "Guarantee", "How can you guarantee it won't be exceeded?"),
            Item("labeling", "Cheap labels", "How cheaply can you label data from the system?"),
        ),
        "high impact, low feasibility",
        "Humans in the loop, guardrails and a narrower scope raise feasibility.",
    ),
)

ARCHETYPE_BY_ID = {a.id: a for a in ARCHETYPES}

# --- 5. Lifecycle -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    label: str
    description: str


STAGES: tuple[Stage, ...] = (
    Stage("planning", "Planning & project setup", "Decide the problem, goals, requirements and resources."),
    Stage("data", "Data collection & labeling", "Collect, store and label the data."),
    Stage(
        "training",
        "Training & debugging",
        "Quick baseline, reproduce the state of the art, debug, improve.",
    ),
    Stage(
        "deploying",
        "Deploying & testing",
        "Pilot in a constrained setting, regression tests, roll out.",
    ),
    Stage("production", "Production", "Shipped and monitored."),
)

STAGE_IDS: tuple[str, ...] = tuple(s.id for s in STAGES)
STAGE_INDEX = {s: i for i, s in enumerate(STAGE_IDS)}

STATUSES: tuple[str, ...] = ("active", "on-hold", "killed")

# The lecture's loop-back reasons, keyed by the stage a project leaves.
LOOP_BACK_REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "data": (("planning", "Data is too hard to get or to label"),),
    "training": (
        ("data", "Need more data"),
        ("data", "Labels are unreliable"),
        ("planning", "Task is too hard"),
        ("planning", "Requirements trade off against each other"),
    ),
    "deploying": (
        ("training", "Doesn't work in the lab"),
        ("data", "Mismatch between training data and production data"),
        ("data", "Mine hard cases"),
        ("planning", "The metric doesn't drive the user behaviour we want"),
    ),
    "production": (
        ("deploying", "Regression found in production"),
        ("data", "Data drift: production data changed"),
        ("planning", "Requirements changed"),
    ),
}

# --- 6. Metrics and baselines -----------------------------------------------------------------------

BASELINE_KINDS: tuple[Item, ...] = (
    Item("external", "External", "Business or engineering requirements, published results."),
    Item("internal", "Internal", "Simple models and rules you build yourself."),
    Item("human", "Human", "Human performance: the more expert the human, the more useful the baseline."),
)

METRIC_QUESTIONS: tuple[str, ...] = (
    "Pick one metric to optimize.",
    "Set thresholds (satisficing) for the others, or combine them in a formula revisited as needs change.",
    "Baselines give a lower bound; the gap to the baseline decides the next step.",
)

# --- 2x2 quadrants ----------------------------------------------------------------------------------

QUADRANTS: tuple[Item, ...] = (
    Item("high-priority", "High priority", "High impact, high feasibility (low cost): do these first."),
    Item("moonshot", "Moonshot", "High impact, low feasibility: find a lever that raises feasibility."),
    Item("quick-win", "Quick win", "Low impact, high feasibility: cheap, but is it worth ML's complexity?"),
    Item("avoid", "Avoid", "Low impact, low feasibility."),
)
QUADRANT_BY_ID = {q.id: q for q in QUADRANTS}
