"""The words the emulated text models answer with.

Two tables: answers to a few questions a learner of this kit is likely to ask
(each with several phrasings, so ``numResults`` > 1 gives different completions),
and sentence pools the general answer is assembled from. ``{subject}`` is the
noun phrase (or, for "how do I ..." questions, the verb phrase) taken from the
question; ``{question}`` is the question itself.
"""

from __future__ import annotations

__all__ = [
    "BODIES",
    "CLOSINGS",
    "GREETINGS",
    "GREETING_ANSWERS",
    "KNOWN_ANSWERS",
    "OPENINGS",
    "TOPIC_BODIES",
]

# Keys are subjects of "what is ..." questions, or whole questions, normalised:
# lower case, punctuation and leading articles removed.
KNOWN_ANSWERS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("meaning of life", "meaning of life the universe and everything"),
        (
            "People have asked about the meaning of life for as long as they have "
            "asked questions at all, and no single answer has settled it. "
            "Existentialist thinkers argue that life arrives without a meaning "
            "attached, so each of us makes one through the commitments we choose. "
            "Many religious traditions place the meaning beyond the self, in a "
            "relationship with the divine or in service to others. A practical "
            "view shared by many is that meaning grows out of the people you love, "
            "the work you care about and the help you give, which makes it "
            "something you build rather than something you find.",
            "There is no agreed answer, which is one reason the question has lasted "
            "so long. Some people find meaning in happiness and personal growth, "
            "others in duty, faith or a cause larger than themselves, and others "
            "in simple curiosity about the world. Biology offers a narrower reply, "
            "survival and passing on our genes, but few people find that enough "
            "to live by. Most thinkers end up agreeing that meaning is personal: "
            "it takes shape from what you value and how you spend your time.",
            "Philosophers, religions and scientists have each offered their own "
            "answer to the meaning of life. A common thread is that a meaningful "
            "life involves connection with other people, a sense of purpose and "
            "room to learn and grow. Whether that purpose is given to us or chosen "
            "by us is where the traditions disagree. Ultimately, the meaning of "
            "life is a question each person answers for themselves, often more "
            "than once over a lifetime.",
        ),
    ),
    (
        ("ml commons", "ml commons plugin", "opensearch ml commons"),
        (
            "ML Commons is the OpenSearch plugin that brings machine learning into "
            "the cluster. It can run small models on the cluster's own nodes and, "
            "through connectors, call remote models hosted elsewhere, such as "
            "Amazon Bedrock, Amazon SageMaker or OpenAI. A connector describes the "
            "endpoint, the credentials and the shape of each request, and a model "
            "registered with that connector can be deployed and then used for "
            "predictions, ingest pipelines and neural search.",
            "In OpenSearch, ML Commons is the plugin that manages models: it "
            "registers them in model groups, deploys them to nodes and runs "
            "predictions on request. Remote models are the lightest kind, because "
            "the heavy computation happens in an outside service reached through "
            "a connector. That design lets a small cluster use very large models "
            "without any GPUs of its own.",
        ),
    ),
    (
        ("remote model", "remote models", "remote model in opensearch"),
        (
            "A remote model in OpenSearch is a model that runs outside the cluster. "
            "ML Commons keeps only its description and a connector that says how "
            "to reach it, so every prediction becomes an HTTP call to a service "
            "such as Amazon Bedrock. You register the model, deploy it, and then "
            "call predict just as you would for a model hosted on the cluster.",
            "Remote models let OpenSearch use machine learning services it does not "
            "host itself. The connector behind a remote model holds the endpoint, "
            "the credentials and templates for the request and response, and ML "
            "Commons fills those templates in each time the model is called.",
        ),
    ),
    (
        ("opensearch",),
        (
            "OpenSearch is an open-source search and analytics suite. It began in "
            "2021 as a fork of Elasticsearch 7.10 and Kibana, and it is now "
            "governed by the OpenSearch Software Foundation under the Linux "
            "Foundation. It stores JSON documents in indexes, answers full-text, "
            "vector and aggregation queries, and can be extended with plugins such "
            "as ML Commons for machine learning.",
            "OpenSearch is a distributed search engine and analytics platform "
            "released under the Apache 2.0 license. A cluster spreads indexes "
            "across nodes as shards, which lets it search large amounts of text, "
            "logs and vectors quickly. OpenSearch Dashboards adds a web interface, "
            "including the Dev Tools console used throughout this kit.",
        ),
    ),
    (
        ("amazon bedrock", "bedrock", "aws bedrock"),
        (
            "Amazon Bedrock is a managed AWS service that offers foundation models "
            "from several providers, including Anthropic, AI21 Labs, Cohere, Meta, "
            "Mistral AI and Amazon, behind one API. Requests are signed with AWS "
            "Signature Version 4, so access is controlled with IAM like any other "
            "AWS service. Bedrock runs the models for you: there are no servers or "
            "GPUs to manage, and you pay for the tokens you send and receive.",
            "Amazon Bedrock lets you call large language models and embedding "
            "models over HTTPS without hosting them. You choose a model by its "
            "model ID, send a JSON body in the format that model expects, and get "
            "a JSON answer back. The Converse API offers one request shape that "
            "works across the chat models.",
        ),
    ),
    (
        ("machine learning", "ml"),
        (
            "Machine learning is a branch of computer science in which programs "
            "learn patterns from examples instead of following rules written by "
            "hand. A model is trained on data, checked against examples it has not "
            "seen, and then used to make predictions about new inputs. Search "
            "engines, spam filters, translation tools and recommendation systems "
            "all rely on it.",
            "In machine learning, a computer improves at a task by studying data. "
            "Supervised learning uses labelled examples, unsupervised learning "
            "looks for structure in unlabelled data, and reinforcement learning "
            "learns from rewards. Large language models are a recent and very "
            "large example of the same idea.",
        ),
    ),
    (
        ("capital of france",),
        (
            "The capital of France is Paris. It is also the country's largest city "
            "and its political, economic and cultural centre.",
            "Paris is the capital of France, home to the national government and "
            "to landmarks such as the Eiffel Tower and the Louvre.",
        ),
    ),
)

# Whole questions (normalised) that are only a greeting.
GREETINGS: frozenset[str] = frozenset(
    {"hello", "hi", "hey", "hello there", "hi there", "good morning", "good evening"}
)
GREETING_ANSWERS: tuple[str, ...] = (
    "Hello! How can I help you today?",
    "Hi there! What would you like to know?",
)

# One opening per answer, chosen by the kind of question.
OPENINGS: dict[str, tuple[str, ...]] = {
    "what": (
        "{Subject} is easiest to understand by starting from the problem it is "
        "meant to solve.",
        "Put briefly, {subject} is best described by what it does and by the people "
        "who rely on it.",
        "{Subject} comes up often, and the idea behind it is simpler than it first "
        "appears.",
    ),
    "how_to": (
        "To {subject}, it helps to split the job into a few small steps and check "
        "each one before moving on.",
        "The usual way to {subject} is to start from a working example and change "
        "one thing at a time.",
        "If you want to {subject}, begin by writing down what the finished result "
        "should look like.",
    ),
    "how_works": (
        "{Subject} works as a chain of simple steps, each one handing its result "
        "to the next.",
        "At its core, {subject} takes an input, applies a small set of rules to it "
        "and produces a result you can check.",
    ),
    "why": (
        "\u201c{question}\u201d is a question about causes, and the answer usually "
        "has more than one layer.",
        "There is rarely a single reason behind a question like "
        "\u201c{question}\u201d; several causes tend to work together.",
    ),
    "yesno": (
        "The honest answer to \u201c{question}\u201d is that it depends on the "
        "details of your situation.",
        "\u201c{question}\u201d has no answer that fits every case, but a few "
        "points make the decision easier.",
    ),
    "general": (
        "Here is a short response to \u201c{question}\u201d.",
        "Here are a few thoughts on \u201c{question}\u201d.",
    ),
}

# Sentences about the subject itself, by the grammatical shape of ``{subject}``.
TOPIC_BODIES: dict[str, tuple[str, ...]] = {
    "noun": (
        "Most explanations of {subject} begin with its purpose, then describe its "
        "main parts, and finish with how those parts fit together.",
        "People who work with {subject} every day stress practice over theory: "
        "trying it on a small example reveals most of the important ideas.",
        "A common mistake with {subject} is to skip the basics and jump straight "
        "to the advanced details.",
    ),
    "verb": (
        "Before you {subject}, check that you have everything the task needs, such "
        "as access rights, the inputs and a way to undo the change.",
        "Once you {subject}, verify the result straight away, because small "
        "mistakes are much easier to fix early.",
    ),
}

BODIES: tuple[str, ...] = (
    "A good first step is to agree on the basic terms, because people often use "
    "the same words for slightly different things.",
    "Following one concrete example from start to finish usually teaches more "
    "than a long list of definitions.",
    "Experts tend to weigh the trade-offs involved rather than look for one answer "
    "that fits every case.",
    "The details matter: what works well on a small scale can behave quite "
    "differently once more people or more data are involved.",
    "Knowing a little history helps too, since many current practices are answers "
    "to problems people ran into earlier.",
    "Official documentation and well-reviewed textbooks are the best places to "
    "check the specifics.",
)

CLOSINGS: tuple[str, ...] = (
    "If you share more about your goal, the answer can be made more specific.",
    "In short, start with the fundamentals, test your understanding on a small "
    "case, and build from there.",
    "Taken together, these points give a solid starting place for going deeper.",
)
