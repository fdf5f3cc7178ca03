# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is private to the collection: its API may change at any time.
"""How the SDKs are imported: a product's SDK on first use, its models file by file, the SDK core's unused parts never.

A product's SDK is imported only when a module first asks for that product's client (`_client.ClientFactory`),
so a module pays the import cost of what it uses and nothing else. Within an SDK, the `models` package (about
1150 files for ECS, imported eagerly by the SDK itself) is replaced by a lazy one that imports a model's file on
first use (`lazy_models`).

The deferred packages (`defer_unused_sdk_parts`): packages the SDK core imports but a synchronous call never
executes, imported when first really used.

`alibabacloud_credentials` (Tea.core), `darabonba` and `alibabacloud_tea_openapi` import at module level the
async HTTP stack (aiohttp and its dependencies), the scheduler of the credentials' background refresh
(apscheduler), asyncio, the RSA signing code (cryptography), websocket and aiofiles. A module of this collection
makes synchronous calls only (requests), builds its providers without background refresh, and signs with HMAC,
so none of these runs in a module process; they are more than half of the SDK core's import time.

`defer_unused_sdk_parts()` puts a finder first on `sys.meta_path` (the import system's own hook, no
third-party file touched): an `import aiohttp` or `from aiohttp import ClientResponse` then gets a stand-in
(`DeferredModule`, a `DeferredName`) that executes nothing. The first real use of a stand-in (a call, an
attribute of a name, an isinstance check, a subclass, a dunder of the module) imports the real package, after
which the stand-ins forward to it: an async call still works, it only pays the import when it happens. A name
the real package lacks fails then with the AttributeError of the real package; a package that is not installed
is never deferred (its ImportError comes at import, as without this finder).

The environment variable ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS overrides the list for a module process: `none`
defers nothing (the SDK imports everything as shipped), a comma-separated list defers those packages only.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import threading
import types


def _snake(action):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', action).lower()


# `from ._describe_instance_ram_role_request import DescribeInstanceRamRoleRequest` (also `import (A, B)` forms)
_MODEL_IMPORT = re.compile(r'^from \.(\w+) import (?:\(([^)]*)\)|([\w ,]+))[ \t]*$', re.M)


def _import(name):
    """`importlib.import_module` through the import statement's machinery, so that `python -X importtime` reports it."""
    __import__(name)
    return sys.modules[name]


def model_index(init_source):
    """{class name: submodule} from the text of an SDK's models/__init__.py (its `from .<file> import <Name>` lines)."""
    index = {}
    for submodule, grouped, names in _MODEL_IMPORT.findall(init_source):
        for name in (grouped or names).replace('\n', ',').split(','):
            if name.strip():
                index[name.strip()] = submodule
    return index


class _LazyModels(types.ModuleType):
    """An SDK's `models` package that imports a model's file on first use of its name.

    The SDKs' own models/__init__.py imports every model file (1152 for ECS: about a third of a
    module's start-up), while a module uses a handful. A name missing from the index (an SDK whose
    __init__ looks different) runs the original __init__ in this namespace: slower, never wrong.
    """

    def __init__(self, spec, index, init_source):
        super().__init__(spec.name)
        self.__spec__ = spec
        self.__file__ = spec.origin
        self.__path__ = list(spec.submodule_search_locations or [])
        self.__package__ = spec.name
        self._index = index
        self._init_source = init_source
        self._eager = False

    def __getattr__(self, name):
        if name.startswith('__') or name in ('_index', '_init_source', '_eager'):
            raise AttributeError(name)
        submodule = self._index.get(name)
        if submodule is not None:
            value = getattr(_import(f'{self.__name__}.{submodule}'), name)
        elif not self._eager:
            self._eager = True
            exec(compile(self._init_source, self.__file__, 'exec'), self.__dict__)  # pylint: disable=exec-used
            if name not in self.__dict__:
                raise AttributeError(f'module {self.__name__!r} has no attribute {name!r}')
            value = self.__dict__[name]
        else:
            raise AttributeError(f'module {self.__name__!r} has no attribute {name!r}')
        setattr(self, name, value)
        return value


def lazy_models(package):
    """Put a lazy `<package>.models` in place (unless that package is imported already) and return it."""
    name = package + '.models'
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not spec.submodule_search_locations:
        return _import(name)
    with open(spec.origin, encoding='utf-8') as handle:
        source = handle.read()
    index = model_index(source)
    if not index:
        return _import(name)
    module = _LazyModels(spec, index, source)
    sys.modules[name] = module
    setattr(sys.modules[package], 'models', module)
    return module


# top-level packages a synchronous call of this collection's modules never executes (tests/unit/plugins/module_utils/test_sdk.py)
DEFERRED_PACKAGES = ('aiohttp', 'aiofiles', 'apscheduler', 'asyncio', 'cryptography', 'websocket')
ENV_OVERRIDE = 'ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS'

_LOCK = threading.RLock()
_NAMES = {}      # (module name, attribute) -> DeferredName, outside the modules' __dict__ so that the real attribute wins once loaded
_LOADED = []     # the deferred packages really imported so far, in order (for tests and diagnostics)
# what the import system itself looks up on a module it sets up (importlib._bootstrap._init_module_attrs)
_IMPORT_SYSTEM_ATTRIBUTES = frozenset(('__path__', '__file__', '__cached__', '__loader__', '__package__', '__spec__'))


def _family(name):
    return name.partition('.')[0]


class DeferredName:
    """`module.attribute` of a deferred module, resolved (the real module imported) on first use."""

    __slots__ = ('_module', '_attribute')

    def __init__(self, module, attribute):
        object.__setattr__(self, '_module', module)
        object.__setattr__(self, '_attribute', attribute)

    def resolve(self):
        module = object.__getattribute__(self, '_module')
        attribute = object.__getattribute__(self, '_attribute')
        real = _real(module)
        try:
            return getattr(real, attribute)
        except AttributeError:
            try:
                return importlib.import_module(f'{module}.{attribute}')
            except ModuleNotFoundError:
                raise AttributeError(f'module {module!r} has no attribute {attribute!r}') from None

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.resolve(), name)

    def __instancecheck__(self, instance):
        return isinstance(instance, self.resolve())

    def __subclasscheck__(self, subclass):
        return issubclass(subclass, self.resolve())

    def __mro_entries__(self, bases):  # pylint: disable=unused-argument
        return (self.resolve(),)

    def __repr__(self):
        return f"<deferred {object.__getattribute__(self, '_module')}.{object.__getattribute__(self, '_attribute')}>"


class DeferredModule(type(sys)):
    """What `import <deferred package>[.submodule]` binds: executes nothing until something is really used."""

    def __getattr__(self, name):
        real = sys.modules.get(self.__name__)
        if real is not None and real is not self:
            return getattr(real, name)  # loaded already: the real attribute
        if name in _IMPORT_SYSTEM_ATTRIBUTES:
            raise AttributeError(name)  # asked while the stand-in is being set up: it has none of its own
        if (name.startswith('__') and name.endswith('__')) or _family(self.__name__) not in _FINDER.deferred:
            return getattr(_real(self.__name__), name)
        if _find_real(f'{self.__name__}.{name}', self.__dict__.get('_real_path')) is not None:
            return importlib.import_module(f'{self.__name__}.{name}')  # a submodule: deferred as well
        with _LOCK:
            return _NAMES.setdefault((self.__name__, name), DeferredName(self.__name__, name))

    def __repr__(self):
        return f'<deferred module {self.__name__!r}>'


def _find_real(name, path=None):
    return importlib.machinery.PathFinder.find_spec(name, path)


def _real(name):
    """The real module `name` (importing its package for real, once)."""
    with _LOCK:
        module = sys.modules.get(name)
        if module is not None and not isinstance(module, DeferredModule):
            return module
        family = _family(name)
        if family in _FINDER.deferred:
            _FINDER.deferred.discard(family)
            _LOADED.append(family)
            for key in [k for k, v in sys.modules.items() if _family(k) == family and isinstance(v, DeferredModule)]:
                del sys.modules[key]
        return importlib.import_module(name)


class _Loader:
    def __init__(self, real_path):
        self._real_path = real_path

    def create_module(self, spec):
        module = DeferredModule(spec.name)
        module._real_path = self._real_path  # pylint: disable=protected-access,attribute-defined-outside-init
        return module

    def exec_module(self, module):
        pass


class _Finder:
    """First on sys.meta_path: the deferred packages (when installed) and their submodules resolve to stand-ins."""

    def __init__(self):
        self.deferred = set()

    def find_spec(self, name, path=None, target=None):  # pylint: disable=unused-argument
        if _family(name) not in self.deferred:
            return None
        if '.' in name:
            parent = sys.modules.get(name.rpartition('.')[0])
            real = _find_real(name, getattr(parent, '_real_path', None) if isinstance(parent, DeferredModule) else path)
        else:
            real = _find_real(name)
        if real is None:
            return None  # not installed: the normal ImportError, at import time
        return importlib.machinery.ModuleSpec(name, _Loader(real.submodule_search_locations), origin=real.origin,
                                              is_package=real.submodule_search_locations is not None)


_FINDER = _Finder()


def configured_packages(environ=None):
    """DEFERRED_PACKAGES, or what ALICLOUD_INSTANCE_RAM_DEFERRED_IMPORTS says instead."""
    value = (os.environ if environ is None else environ).get(ENV_OVERRIDE)
    if value is None or not value.strip():
        return DEFERRED_PACKAGES
    if value.strip().lower() == 'none':
        return ()
    return tuple(p.strip() for p in value.split(',') if p.strip())


def defer_unused_sdk_parts(packages=None):
    """Defer `packages` (default: configured_packages(); those not imported yet) in this process; idempotent.

    Returns the packages deferred by this call.
    """
    packages = configured_packages() if packages is None else packages
    with _LOCK:
        if _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)
        added = [p for p in packages if p not in sys.modules and p not in _LOADED and p not in _FINDER.deferred]
        _FINDER.deferred.update(added)
        return added


def loaded_for_real():
    """The deferred packages that something used, so that they were imported for real (in order)."""
    return list(_LOADED)


def is_deferred(name):
    """True while `sys.modules[name]` is a stand-in that executed nothing."""
    return isinstance(sys.modules.get(name), DeferredModule)
