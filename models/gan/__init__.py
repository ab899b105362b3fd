"""GANs on raw audio and spectrograms: WaveGAN and SpecGAN (Donahue et al., ICLR 2019),
rebuilt in Keras 3 and trained with one WGAN-GP trainer on TensorFlow, JAX or PyTorch."""
