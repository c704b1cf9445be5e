"""The damped Newton driver of the saddle-point solver, compiled once for every model.

Every generated kernel has the same signature (:data:`KERNEL_SIG`), so the driver takes the
kernel as a first-class function (:data:`KERNEL_TYPE`) and is compiled, and cached on disk,
once per machine instead of once per model (see :mod:`replica.engine.codegen`).
"""
import math

import numba
import numpy as np
from numba import types

from ._sig import KERNEL_SIG, KERNEL_TYPE

_arr = types.float64[::1]
_NEWTON_SIG = types.Tuple((_arr, _arr, types.int64, types.int64, types.float64))(
    KERNEL_TYPE, _arr, _arr, _arr, _arr, types.float64, types.float64, types.int64,
    types.int64, types.int64, _arr, _arr, _arr, _arr, types.int64)


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _scales(out, n, n_parts, sc):
    # the scale of each equation: 1 + sum of the magnitudes of its parts
    for i in range(n):
        s = 1.0
        for p in range(n_parts):
            s += abs(out[1 + p * n + i])
        sc[i] = s
    return sc


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _merit(out, n, n_parts, sc):
    # scaled residual with the scales ``sc`` (frozen at the current point in the line search,
    # so that the Newton direction is a descent direction of the merit)
    r2 = 0.0
    rmax = 0.0
    for i in range(n):
        g = 0.0
        for p in range(n_parts):
            g += out[1 + p * n + i]
        r = g / sc[i]
        r2 += r * r
        rmax = max(rmax, abs(r))
    return math.sqrt(r2), rmax


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _all_finite(out):
    for v in out:
        if not math.isfinite(v):
            return False
    return True


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _from_x(x, lo, hi, theta, dth):
    for i in range(x.shape[0]):
        if math.isfinite(hi[i]):
            if x[i] >= 0.0:
                e = math.exp(-x[i])
                s = 1.0 / (1.0 + e)
                u = e / (1.0 + e)
            else:
                e = math.exp(x[i])
                s = e / (1.0 + e)
                u = 1.0 / (1.0 + e)
            theta[i] = lo[i] + (hi[i] - lo[i]) * s if s <= 0.5 else hi[i] - (hi[i] - lo[i]) * u
            dth[i] = (hi[i] - lo[i]) * s * u
        elif math.isfinite(lo[i]):
            theta[i] = lo[i] + math.exp(x[i])
            dth[i] = theta[i] - lo[i]
        else:  # unbounded (a conjugate of a signed overlap): the identity
            theta[i] = x[i]
            dth[i] = 1.0


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _solve_small(a, b):
    # Gaussian elimination with partial pivoting; returns (x, ok)
    n = b.shape[0]
    m = a.copy()
    x = b.copy()
    for k in range(n):
        p = k
        for i in range(k + 1, n):
            if abs(m[i, k]) > abs(m[p, k]):
                p = i
        if m[p, k] == 0.0 or not math.isfinite(m[p, k]):
            return x, False
        if p != k:
            for j in range(n):
                t = m[k, j]
                m[k, j] = m[p, j]
                m[p, j] = t
            t = x[k]
            x[k] = x[p]
            x[p] = t
        for i in range(k + 1, n):
            f = m[i, k] / m[k, k]
            for j in range(k, n):
                m[i, j] -= f * m[k, j]
            x[i] -= f * x[k]
    for k in range(n - 1, -1, -1):
        s = x[k]
        for j in range(k + 1, n):
            s -= m[k, j] * x[j]
        x[k] = s / m[k, k]
    for k in range(n):
        if not math.isfinite(x[k]):
            return x, False
    return x, True


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _inside(theta, lo, hi):
    for i in range(theta.shape[0]):
        if not (lo[i] < theta[i] < hi[i]) or not math.isfinite(theta[i]):
            return False
    return True


@numba.njit(_NEWTON_SIG, cache=True, nogil=True, error_model='numpy')
def newton(kernel, theta0, ctrl, lo, hi, tol, xtol, max_iter, n_parts, nc, gl_x, gl_w, gh_x,
           gh_w, nout):
    # Damped Newton on grad phi = 0 in x = logit/log coordinates (see replica.solvers).
    # Returns (theta, out, status, iterations, step_rel); status 0 converged, 1 max_iter,
    # 2 line_search, 3 singular, 4 non-finite at the start.
    n = theta0.shape[0]
    theta = theta0.copy()
    x = np.empty(n)
    for i in range(n):
        if math.isfinite(hi[i]):
            x[i] = math.log(theta[i] - lo[i]) - math.log(hi[i] - theta[i])
        elif math.isfinite(lo[i]):
            x[i] = math.log(theta[i] - lo[i])
        else:
            x[i] = theta[i]
    out = kernel(theta, ctrl, gl_x, gl_w, gh_x, gh_w, np.empty(nout))
    if not _all_finite(out):
        return theta, out, 4, 0, math.inf
    step_rel = math.inf
    prev_step = math.inf
    sc0 = np.empty(n)
    sc1 = np.empty(n)
    dth = np.empty(n)
    tmp = np.empty(n)
    trial = np.empty(n)
    grad = np.empty(n)
    jac = np.empty((n, n))
    for it in range(1, max_iter + 1):
        _from_x(x, lo, hi, tmp, dth)
        for i in range(n):
            g = 0.0
            for p in range(n_parts):
                g += out[1 + p * n + i]
            grad[i] = -g
            for j in range(n):
                jac[i, j] = out[1 + n_parts * n + i * n + j] * dth[j]
        delta, ok = _solve_small(jac, grad)
        if not ok:
            return theta, out, 3, it, step_rel
        _scales(out, n, n_parts, sc0)
        r0, rmax0 = _merit(out, n, n_parts, sc0)
        t = 1.0
        accepted = False
        out_t = out
        xt = x.copy()
        for _ls in range(40):
            for i in range(n):
                xt[i] = x[i] + t * delta[i]
            _from_x(xt, lo, hi, trial, dth)
            if _inside(trial, lo, hi):
                out_t = kernel(trial, ctrl, gl_x, gl_w, gh_x, gh_w, np.empty(nout))
                if _all_finite(out_t):
                    r1, rmax1 = _merit(out_t, n, n_parts, sc0)
                    if r1 < (1.0 - 1e-4 * t) * r0 or rmax1 <= tol * 1e-3:
                        accepted = True
                        break
            t *= 0.5
        if not accepted:
            if rmax0 <= tol:
                return theta, out, 0, it, step_rel
            return theta, out, 2, it, step_rel
        step_rel = 0.0
        for i in range(n):
            d = trial[i] - lo[i]
            if math.isfinite(hi[i]):
                d = min(d, hi[i] - trial[i])
            sc = min(d, abs(trial[i])) if trial[i] != 0.0 else d
            if not math.isfinite(lo[i]):
                sc = max(abs(trial[i]), 1.0)
            sc = max(sc, 1e-300)
            step_rel = max(step_rel, abs(trial[i] - theta[i]) / sc)
        for i in range(n):
            x[i] = xt[i]
            theta[i] = trial[i]
        out = out_t
        r1, rmax1 = _merit(out, n, n_parts, _scales(out, n, n_parts, sc1))
        if rmax1 <= tol and step_rel <= xtol:
            return theta, out, 0, it, step_rel
        # a tiny residual ends the iteration once the steps stop shrinking (the noise floor of
        # the quadrature); while they still shrink fast, an order parameter whose equation has
        # small parts (qhat ~ 1e13 near a capacity) is still being determined
        if rmax1 <= tol * 1e-3 and step_rel > 0.25 * prev_step:
            return theta, out, 0, it, step_rel
        prev_step = step_rel
    return theta, out, 1, max_iter, step_rel


_mat = types.float64[:, ::1]
_CONT_SIG = types.int64(
    KERNEL_TYPE, _arr, _arr, types.float64, _arr, types.int64, types.int64, _arr, types.int64,
    types.int64, _arr, _arr, types.float64, types.float64, types.int64, types.int64,
    types.int64, _arr, _arr, _arr, _arr, _arr, _arr, _arr, _arr, _mat, _mat, _mat, _mat)


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _tangent(out, n, n_parts, nc, kidx):
    # dtheta/dc = -H^-1 d(grad)/dc from the Hessian and the control derivatives in a kernel
    # output; (tangent, ok)
    hb = 1 + n_parts * n
    cb = hb + n * n
    h = np.empty((n, n))
    b = np.empty(n)
    for i in range(n):
        for j in range(n):
            h[i, j] = out[hb + i * n + j]
        b[i] = -out[cb + i * nc + kidx]
    return _solve_small(h, b)


@numba.njit(cache=True, nogil=True, error_model='numpy')
def _predict(theta, tangent, ok, dv, t_prev, dv_prev, lo, hi):
    # theta + dv t + dv^2 (t - t_prev) / (2 dv_prev): the tangent predictor with the second
    # derivative from the change of the tangent over the last step (dv_prev = 0: none); the
    # plain tangent where that leaves the domains, theta itself where the tangent is singular
    # or the prediction still leaves them
    n = theta.shape[0]
    if not ok:
        return theta.copy()
    pred = np.empty(n)
    if dv_prev != 0.0:
        for i in range(n):
            pred[i] = theta[i] + dv * tangent[i] + 0.5 * dv * dv * (tangent[i] - t_prev[i]) / dv_prev
        if _inside(pred, lo, hi):
            return pred
    for i in range(n):
        pred[i] = theta[i] + dv * tangent[i]
    if not _inside(pred, lo, hi):
        return theta.copy()
    return pred


@numba.njit(_CONT_SIG, cache=True, nogil=True, error_model='numpy')
def continuation(kernel, theta_prev, out_prev, v_prev, ctrl, iv, kidx, grid, start, stop, lo,
                 hi, tol, xtol, max_iter, n_parts, nc, gl_x, gl_w, gh_x, gh_w, cgl_x, cgl_w,
                 cgh_x, cgh_w, thetas, outs, checks, info):
    # The predictor-corrector loop of replica.engine.continuation.sweep: from the solution (theta_prev,
    # out_prev) at control value v_prev, solve grid[start], grid[start + 1], ... (control
    # ctrl[iv]) by Newton from the tangent prediction (kidx: the control's column among the
    # differentiated controls, -1 for none).  Row i of thetas / outs / checks / info receives the
    # solution, the kernel's outputs on the rules and on the check rules, and (iterations, step).
    # Stops before the first grid point where Newton does not converge from the prediction and
    # returns its index (stop when all converged); the caller handles that point (step halving).
    n = theta_prev.shape[0]
    nout = out_prev.shape[0]
    theta = theta_prev.copy()
    out = out_prev.copy()
    v0 = v_prev
    t_prev = np.zeros(n)
    dv_prev = 0.0  # no previous tangent yet
    for i in range(start, stop):
        v = grid[i]
        if kidx < 0:
            pred = theta.copy()
        else:
            tangent, ok = _tangent(out, n, n_parts, nc, kidx)
            pred = _predict(theta, tangent, ok, v - v0, t_prev, dv_prev, lo, hi)
        ctrl[iv] = v
        th, o, code, it, step = newton(kernel, pred, ctrl, lo, hi, tol, xtol, max_iter, n_parts,
                                       nc, gl_x, gl_w, gh_x, gh_w, nout)
        if code != 0:
            return i
        chk = kernel(th, ctrl, cgl_x, cgl_w, cgh_x, cgh_w, np.empty(nout))
        for j in range(n):
            thetas[i, j] = th[j]
        for j in range(nout):
            outs[i, j] = o[j]
            checks[i, j] = chk[j]
        info[i, 0] = it
        info[i, 1] = step
        if kidx >= 0 and ok:
            for j in range(n):
                t_prev[j] = tangent[j]
            dv_prev = v - v0
        else:
            dv_prev = 0.0
        theta = th
        out = o
        v0 = v
    return stop


class KernelAddress(types.WrapperAddressProtocol):
    """A generated kernel as a first-class function argument of the compiled drivers.

    ``kernel`` is the Numba ``cfunc`` of a generated module (a C-callable function, no Python
    wrapper of its own: compiling one for every kernel cost ~0.05 s of each first call) or a
    :class:`Kernel`.  Holds it, so the compiled code stays alive.
    """

    def __init__(self, kernel):
        self._kernel = getattr(kernel, "cfunc", kernel)
        self._address = self._kernel.address

    def __wrapper_address__(self):
        return self._address

    def signature(self):
        return KERNEL_SIG


_arr = types.float64[::1]


@numba.njit(_arr(KERNEL_TYPE, _arr, _arr, _arr, _arr, _arr, _arr, _arr), cache=True,
            nogil=True)
def _call_kernel(kernel, theta, ctrl, gl_x, gl_w, gh_x, gh_w, out):
    return kernel(theta, ctrl, gl_x, gl_w, gh_x, gh_w, out)


class Kernel:
    """A generated kernel callable from Python: ``kernel(theta, ctrl, gl_x, gl_w, gh_x, gh_w,
    out) -> out`` (float64 C-contiguous arrays), through one compiled call of its address
    (~3 us).  ``cfunc`` is the compiled function."""

    def __init__(self, cfunc, sizes=None):
        self.cfunc = cfunc
        self.address = KernelAddress(cfunc)
        self._entry = next(iter(_call_kernel.overloads.values())).entry_point
        #: (order parameters, controls, outputs) the kernel reads and writes (None: unchecked)
        self.sizes = sizes

    def __call__(self, theta, ctrl, gl_x, gl_w, gh_x, gh_w, out):
        if self.sizes is not None:
            # the compiled kernel indexes without bounds checks: a short array would be read
            # (or written) past its end
            for what, arr, need in zip(("theta", "ctrl", "out"), (theta, ctrl, out),
                                       self.sizes):
                if arr.shape[0] < need:
                    raise ValueError(f"the kernel needs {need} entries in {what}, got "
                                     f"{arr.shape[0]}")
        return self._entry(self.address, theta, ctrl, gl_x, gl_w, gh_x, gh_w, out)


@numba.njit(cache=True, nogil=True, error_model='numpy')
def point_errors(hessian, parts, part_values, phi, check_parts, check_phi, floor_ulps):
    # The a-posteriori error estimates of a saddle point (replica.solvers._make_point), in the
    # order of operations of the NumPy expressions they replace.  parts: (n_parts, n) gradient
    # parts on the rules; check_*: the same on the check rules.  Returns
    # [step (n), shift (n), dphi, grad_err, scaled residual, max |gradient|]:
    #   step  = |H^-1 g|                    (inf where H is singular)
    #   shift = |H^-1 (g_check - g)|        (inf where H is singular or not finite)
    #   dphi  = max(|phi_check - phi|, floor_ulps eps (|phi| + sum |part values|))
    #   grad_err = max_i |g_check_i - g_i| / (1 + sum_parts |g_i^part|)
    n_parts, n = parts.shape
    res = np.empty(2 * n + 4)
    g = np.zeros(n)
    gc = np.zeros(n)
    scale = np.empty(n)
    for i in range(n):
        a = 0.0
        for p in range(n_parts):
            g[i] += parts[p, i]
            gc[i] += check_parts[p, i]
            a += abs(parts[p, i])
        scale[i] = 1.0 + a
    step, ok = _solve_small(hessian, -g)
    for i in range(n):
        res[i] = abs(step[i]) if ok else math.inf
    sv = 0.0
    for p in range(n_parts):
        sv += abs(part_values[p])
    floor = floor_ulps * 2.220446049250313e-16 * (abs(phi) + sv)
    dphi = abs(check_phi - phi)
    if dphi < floor:  # (a NaN stays NaN)
        dphi = floor
    dg = np.empty(n)
    finite = math.isfinite(dphi)
    for i in range(n):
        dg[i] = gc[i] - g[i]
        finite = finite and math.isfinite(dg[i])
    rmax = 0.0
    gmax = 0.0
    for i in range(n):
        rmax = max(rmax, abs(g[i]) / scale[i])
        gmax = max(gmax, abs(g[i]))
    res[2 * n + 2] = rmax
    res[2 * n + 3] = gmax
    if not finite:
        for i in range(n):
            res[n + i] = math.inf
        res[2 * n] = math.inf
        res[2 * n + 1] = math.inf
        return res
    shift, ok = _solve_small(hessian, -dg)
    gerr = 0.0
    for i in range(n):
        res[n + i] = abs(shift[i]) if ok else math.inf
        gerr = max(gerr, abs(dg[i]) / scale[i])
    res[2 * n] = dphi
    res[2 * n + 1] = gerr
    return res


@numba.njit(cache=True, nogil=True, error_model='numpy')
def rows_errors(outs, checks, n, n_parts, nc, floor_ulps):
    # point_errors for every row of a sweep's kernel outputs on the rules (outs) and on the
    # check rules (checks), in one call: row k of the result is point_errors of row k
    rows = outs.shape[0]
    res = np.empty((rows, 2 * n + 4))
    hb = 1 + n_parts * n
    pb = hb + n * n + n * nc + nc
    hess = np.empty((n, n))
    parts = np.empty((n_parts, n))
    cparts = np.empty((n_parts, n))
    pv = np.empty(n_parts)
    for k in range(rows):
        for p in range(n_parts):
            pv[p] = outs[k, pb + p]
            for i in range(n):
                parts[p, i] = outs[k, 1 + p * n + i]
                cparts[p, i] = checks[k, 1 + p * n + i]
        for i in range(n):
            for j in range(n):
                hess[i, j] = outs[k, hb + i * n + j]
        res[k] = point_errors(hess, parts, pv, outs[k, 0], cparts, checks[k, 0], floor_ulps)
    return res
