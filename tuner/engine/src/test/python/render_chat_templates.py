#!/usr/bin/python3
"""Renders the chat-template fixtures with Jinja2 the way Hugging Face's apply_chat_template does.

Run with Debian's Jinja2 (apt-get install -y python3-jinja2), from the repository root:

    /usr/bin/python3 tuner/engine/src/test/python/render_chat_templates.py

For every template <name>.jinja in tuner/engine/src/test/resources/fixtures/chat-templates/ and
every conversation that cases.json lists for it, writes <name>.<conversation>.txt (the rendered
text, byte for byte) or, for a conversation the template refuses through raise_exception,
<name>.<conversation>.error.txt (the message). ChatTemplateRenderingTest asserts that the engine
renders the same bytes.

The environment is transformers' _compile_jinja_template: ImmutableSandboxedEnvironment with
trim_blocks and lstrip_blocks, the {% generation %} tag and the loopcontrols extension, a tojson
filter that keeps non-ASCII text, raise_exception and strftime_now; the render gets messages,
tools=None, documents=None, add_generation_prompt and the tokenizer's special tokens.
strftime_now reads the fixed time of cases.json instead of the clock, so that the references do
not change from day to day.
"""

import json
import sys
from datetime import datetime
from pathlib import Path

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXTURES = (
    Path(__file__).resolve().parents[1] / "resources" / "fixtures" / "chat-templates"
)


class AssistantTracker(jinja2.ext.Extension):
    """transformers' {% generation %} tag, which renders its body unchanged."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        call = self.call_method("_render_assistant")
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_assistant(self, caller):
        return caller()


def environment(now):
    def raise_exception(message):
        raise TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(
            x,
            ensure_ascii=ensure_ascii,
            indent=indent,
            separators=separators,
            sort_keys=sort_keys,
        )

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[AssistantTracker, jinja2.ext.loopcontrols],
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    cases = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))
    env = environment(datetime.fromisoformat(cases["now"]))
    written = 0
    for name, spec in cases["templates"].items():
        source = (FIXTURES / f"{name}.jinja").read_text(encoding="utf-8")
        template = env.from_string(source)
        for case in spec["renders"] + spec["rejects"]:
            conversation = cases["conversations"][case]
            try:
                text = template.render(
                    messages=conversation["messages"],
                    tools=None,
                    documents=None,
                    add_generation_prompt=conversation["add_generation_prompt"],
                    **spec["special_tokens"],
                )
                outcome, suffix = "renders", ".txt"
            except TemplateError as e:
                text = str(e)
                outcome, suffix = "rejects", ".error.txt"
            if case not in spec[outcome]:
                sys.exit(f"{name}: {case} {outcome}, but cases.json says otherwise: {text}")
            path = FIXTURES / f"{name}.{case}{suffix}"
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            written += 1
    print(f"Jinja2 {jinja2.__version__}: wrote {written} references to {FIXTURES}")


if __name__ == "__main__":
    main()
