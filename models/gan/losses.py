"""WGAN-GP objectives (Gulrajani et al. 2017), as WaveGAN uses them: backend-free keras.ops.

Shapes: scores (batch, 1); real, fake, interpolates and input gradients share the sample shape
(batch, time, 1) for WaveGAN or (batch, frames, bins, 1) for SpecGAN.
"""
from keras import ops

GRAD_EPS = 1e-12  # inside the square root: the norm's gradient stays finite at zero


def interpolate(real, fake, eps):
    """Points on lines between real and fake examples; eps (batch,) uniform in [0, 1]."""
    eps = ops.reshape(eps, (-1,) + (1,) * (len(real.shape) - 1))
    return eps * real + (1.0 - eps) * fake


def gradient_penalty(grad_x):
    """mean over the batch of (||grad||_2 - 1)^2, the norm over every non-batch axis."""
    grad_x = ops.cast(grad_x, "float32")
    axes = tuple(range(1, len(grad_x.shape)))
    norm = ops.sqrt(ops.sum(ops.square(grad_x), axis=axes) + GRAD_EPS)
    return ops.mean(ops.square(norm - 1.0))


def critic_objective(d_real, d_fake, grad_x, gp_weight, drift=0.0):
    """(loss, Wasserstein estimate, gradient penalty); the critic minimises the loss.
    ``drift``: the progressive GAN's weight on mean(d_real^2), which keeps the critic's scores
    from drifting away from zero (0.001 in GANSynth; 0 in WaveGAN)."""
    wasserstein = ops.mean(d_real) - ops.mean(d_fake)
    gp = gradient_penalty(grad_x)
    loss = -wasserstein + gp_weight * gp
    if drift:
        loss = loss + drift * ops.mean(ops.square(ops.cast(d_real, "float32")))
    return loss, wasserstein, gp


def generator_objective(d_fake):
    return -ops.mean(d_fake)
