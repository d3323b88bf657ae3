// Installed once in each thread's QuickJS context. It wraps each kind of
// expression exactly as the 8.0.0 core wraps it (see `wrap` below) and gives scripts the
// timer functions of Node, on a virtual clock: the Rust side fires the timers one after the
// other and waits the virtual time on the engine's clock afterwards.
(function () {
  'use strict';
  let timers = [];
  let now = 0;
  let sequence = 0;
  let outcome = { state: 'pending' };

  globalThis.setTimeout = function (callback, ms, ...args) {
    sequence += 1;
    const delay = Math.max(0, Number(ms) || 0);
    timers.push({ id: sequence, at: now + delay, callback, args });
    return sequence;
  };
  globalThis.setImmediate = function (callback, ...args) {
    return globalThis.setTimeout(callback, 0, ...args);
  };
  globalThis.clearTimeout = function (id) {
    timers = timers.filter((timer) => timer.id !== id);
  };
  globalThis.clearImmediate = globalThis.clearTimeout;

  // Fires the earliest timer; false when none is left.
  globalThis.__fireNextTimer = function () {
    if (timers.length === 0) {
      return false;
    }
    let next = 0;
    for (let i = 1; i < timers.length; i += 1) {
      if (timers[i].at < timers[next].at) {
        next = i;
      }
    }
    const timer = timers.splice(next, 1)[0];
    now = timer.at;
    if (typeof timer.callback === 'function') {
      timer.callback(...timer.args);
    }
    return true;
  };
  globalThis.__virtualElapsed = function () {
    return now;
  };

  function settle(value) {
    outcome = { state: 'ok', value };
  }
  function fail(error) {
    outcome = { state: 'error', error };
  }

  // What JSON cannot hold: `undefined`, and an error object (its message is not one of its
  // own enumerable properties, yet scripts read it).
  function special(description) {
    if (description.error !== undefined) {
      const error = Object.assign(new Error(description.error.message), description.error.json);
      if (typeof error._code === 'number') {
        // @essential-projects/errors_ts: getters on the class, not own properties.
        Object.defineProperty(error, 'code', { get() { return this._code; }, configurable: true });
        Object.defineProperty(error, 'additionalInformation', {
          get() { return this._additionalInformation; },
          set(value) { this._additionalInformation = value; },
          configurable: true,
        });
        Object.defineProperty(error, 'isEssentialProjectsError', { get() { return true; }, configurable: true });
      }
      return error;
    }
    return undefined;
  }

  // Puts the values of `specialsJson` ({current, history: {<id>: ...}}) into the token.
  function restore(token, specialsJson) {
    if (specialsJson === undefined) {
      return token;
    }
    const specials = JSON.parse(specialsJson);
    if (specials.current !== undefined) {
      token.current = special(specials.current);
    }
    for (const id of Object.keys(specials.history || {})) {
      token.history[id] = special(specials.history[id]);
    }
    return token;
  }

  // kind: condition | value | script | timer | form | formPresentation
  globalThis.__run = function (kind, source, tokenJson, identityJson, specialsJson) {
    timers = [];
    now = 0;
    outcome = { state: 'pending' };
    const token = restore(JSON.parse(tokenJson), specialsJson);
    const identity = identityJson === undefined ? undefined : JSON.parse(identityJson);
    try {
      let result;
      switch (kind) {
        case 'condition': // exclusive_gateway_handler.js, executeCondition
        case 'timer': // timer_facade.js, _executeTimerExpressionIfNeeded
        case 'form': // user_task_handler.js, _validateExpression
          result = new Function('token', 'return ' + source).call(token, token);
          break;
        case 'formPresentation': // consumer_api_core user_task_converter.js
          result = new Function('token', 'return ' + source).call(undefined, token);
          break;
        case 'value': // external_service_task_handler.js, end_event_handler.js, throw handlers
          result = new Function('token', 'identity', 'return ' + source).call(token, token, identity);
          break;
        case 'script': { // script_task_handler.js: `this` is the handler, the result is awaited
          const handler = {};
          result = new Function('token', 'identity', source).call(handler, token, identity);
          Promise.resolve(result).then(settle, fail);
          return;
        }
        default:
          throw new Error('unknown kind ' + kind);
      }
      settle(result);
    } catch (error) {
      fail(error);
    }
  };

  // The outcome as JSON text for the Rust side.
  globalThis.__outcome = function () {
    if (outcome.state === 'pending') {
      return JSON.stringify({ state: 'pending' });
    }
    if (outcome.state === 'ok') {
      const value = outcome.value;
      if (value === undefined) {
        return JSON.stringify({ state: 'ok', undefined: true, truthy: false });
      }
      let json;
      try {
        json = JSON.stringify(value);
      } catch (error) {
        return JSON.stringify({ state: 'error', message: String(error && error.message), json: '{}' });
      }
      return JSON.stringify({ state: 'ok', undefined: json === undefined, json, truthy: !!value });
    }
    const error = outcome.error;
    const isObject = error !== null && (typeof error === 'object' || typeof error === 'function');
    let message = isObject && error.message !== undefined ? String(error.message) : String(error);
    // V8's words for what QuickJS words differently: the message reaches the wire.
    message = message
      .replace(/^cannot read property '(.*)' of (undefined|null)$/, "Cannot read properties of $2 (reading '$1')")
      .replace(/^cannot set property '(.*)' of (undefined|null)$/, "Cannot set properties of $2 (setting '$1')");
    let json;
    try {
      json = JSON.stringify(error);
    } catch (ignored) {
      json = '{}';
    }
    const code = isObject && typeof error._code === 'number' ? error._code : undefined;
    const name = isObject && typeof error.name === 'string' ? error.name : undefined;
    return JSON.stringify({ state: 'error', message, json, code, name });
  };
})();
