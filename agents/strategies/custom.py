"""A researcher's own lever, loaded from a Python file named in the scenario.

    strategy:
      - custom: {path: my_levers.py:MyLever, params: {strength: 2}}

The path is relative to the scenario file's folder and must stay inside it: a custom
lever is code that runs with your rights, so only run scenarios whose levers you trust.
`qunsim validate` never runs it (`inspect_class` reads the file without executing it).
The class subclasses
`agents.strategies.Strategy` (same hooks as the built-in levers) and may declare its
parameters as a `Params` class (a subclass of `agents.strategies.LeverParams`, so the
timing keys work too). Any mistake in the file — a syntax error, an exception while it
loads, a missing class — becomes one line naming the file and the line.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path

from ..effects import Effects
from ..params import did_you_mean, excerpt, shorten
from .base import Strategy

CUSTOM = "custom"


class CustomLeverError(LookupError):
    """A custom lever that cannot be loaded; the message is one line with file and line."""


_cache: dict[tuple[str, int, int], type] = {}


def _locate(spec: str, base_dir: Path) -> tuple[str, Path, Path]:
    """(class name, resolved file, file as the user wrote it) of `file.py:ClassName`."""
    file, sep, name = spec.rpartition(":")
    if not sep or not file or not name:
        raise CustomLeverError(f"custom: path {spec!r} should be FILE.py:ClassName, e.g. my_levers.py:MyLever")
    shown = Path(base_dir) / file
    path = shown.resolve()
    if not path.is_relative_to(Path(base_dir).resolve()):
        raise CustomLeverError(f"custom: {file} is outside the scenario's folder — a custom lever is code you must "
                               "trust: keep its file in the scenario's folder (or a folder below it)")
    if not path.is_file():
        raise CustomLeverError(f"custom: no such file {str(shown)!r} (paths are relative to the scenario file's folder)")
    return name, path, shown


def _source(path: Path, shown: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise CustomLeverError(f"custom lever {shown}:{line}: not UTF-8 text — save the file as UTF-8") from None


def inspect_class(spec: str, base_dir: Path) -> None:
    """Check `file.py:ClassName` without running the file: it exists, parses, and defines the class."""
    name, path, shown = _locate(spec, base_dir)
    try:
        tree = ast.parse(_source(path, shown), str(path))
    except SyntaxError as e:
        raise CustomLeverError(f"custom lever {shown}:{e.lineno}: SyntaxError: {e.msg}") from None
    classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    if name not in classes:
        raise CustomLeverError(f"custom: {shown} has no class {name!r} — {did_you_mean(name, classes)}classes there: "
                               f"{', '.join(classes) or 'none'}")


def load_class(spec: str, base_dir: Path) -> type[Strategy]:
    """The Strategy subclass named by `file.py:ClassName`, relative to `base_dir` (runs the file)."""
    name, path, shown = _locate(spec, base_dir)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    module = _cache.get(key)
    if module is None:
        module = _cache[key] = _load_module(path, shown)
    cls = getattr(module, name, None)
    if cls is None:
        levers = [k for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, Strategy) and v.__module__ == module.__name__]
        raise CustomLeverError(f"custom: {shown} has no class {name!r} — {did_you_mean(name, levers)}lever classes there: {', '.join(levers) or 'none'}")
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise CustomLeverError(f"custom: {shown}:{name} is not a lever — subclass agents.strategies.Strategy")
    if "key" not in vars(cls) or not cls.key:
        cls.key = name  # reports and costs are booked under the class name
    return _guarded(cls, path, shown)


HOOKS = ("setup", "arrange", "act", "settle", "report", "lift", "linger")


def _guarded(cls: type[Strategy], path: Path, shown: Path) -> type[Strategy]:
    """The same lever, whose hooks turn a mistake in the user's file into one line with its line:
    an exception (or sys.exit) raised there, NaN or infinity written into a handle or a cost,
    or a report() that is not a mapping of names to numbers."""

    def guard(hook):
        first = hook.__code__.co_firstlineno if hook.__code__.co_filename == str(path) else "?"

        def fail(what: str, line=first) -> CustomLeverError:
            return CustomLeverError(f"custom lever {shown}:{line}: {what}")

        def call(self, *args, **kwargs):
            try:
                result = hook(self, *args, **kwargs)
            except (Exception, SystemExit) as e:
                frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == str(path)]
                if not frames:
                    raise
                raise fail(f"{type(e).__name__} in {hook.__name__}(): {shorten(str(e))}", frames[-1].lineno) from None
            fx = next((a for a in args if isinstance(a, Effects)), None)
            bad = fx.finite() if fx is not None else None
            if bad:
                raise fail(f"{hook.__name__}() put NaN or infinity into {bad} — handles and costs take finite numbers")
            if hook.__name__ == "report" and not (isinstance(result, dict) and all(
                    isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) for k, v in result.items())):
                raise fail(f"report() returned {excerpt(result)} — return a dict of names to numbers, e.g. {{'topics': 3}}")
            return result
        call.__name__ = hook.__name__
        return call

    hooks = {h: guard(getattr(cls, h)) for h in HOOKS if h in vars(cls)}
    return type(cls.__name__, (cls,), {**hooks, "__module__": cls.__module__, "__doc__": cls.__doc__}) if hooks else cls


def _load_module(path: Path, shown: Path):
    source = _source(path, shown)
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as e:
        raise CustomLeverError(f"custom lever {shown}:{e.lineno}: SyntaxError: {e.msg}") from None
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    spec = importlib.util.spec_from_loader(f"qunsim_custom_{path.stem}_{digest}", loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # pydantic resolves annotations through sys.modules
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as e:  # the user's file raised while loading: name its line
        sys.modules.pop(module.__name__, None)
        line = next((f.lineno for f in reversed(traceback.extract_tb(e.__traceback__)) if f.filename == str(path)), "?")
        raise CustomLeverError(f"custom lever {shown}:{line}: {type(e).__name__}: {' '.join(str(e).split())}") from None
    return module
