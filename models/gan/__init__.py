"""GANs on raw audio and spectrograms: WaveGAN and SpecGAN (Donahue et al., ICLR 2019) and a
GANSynth-style GAN (Engel et al., ICLR 2019), rebuilt in Keras 3, and a piano-roll GAN over the
scores (MuseGAN / MidiNet style, notes_gan.py), all trained by one WGAN-GP trainer on
TensorFlow, JAX or PyTorch; long-form pieces by a latent walk.

Rules: `train` and `generate` (through the model registry), `stft_moments`.
"""
