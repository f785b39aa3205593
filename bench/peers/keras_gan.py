"""The models of `ganlab bench` in Keras 3 on TensorFlow, trained with the lecture's own loop (slide 6).

The lecture's DCGAN is build_generator / build_discriminator of slide 5 as written there (Sequential, 'same'
padding, LeakyReLU(0.2), Dropout(0.4), Dense(1, sigmoid), compiled with binary cross-entropy and Adam(2e-4,
β1 0.5)); the MLP GAN and the 28×28 DCGAN are written the same way. One full step is the slides' loop body:

    noise = np.random.normal(0, 1, size=(BATCH_SIZE, NOISE_DIM))
    fake_X = generator.predict(noise)
    real_X = X_train[np.random.randint(0, X_train.shape[0], size=BATCH_SIZE)]
    d_loss = discriminator.train_on_batch(np.concatenate((real_X, fake_X)), labels 1 then 0)
    g_loss = gan.train_on_batch(noise, np.ones(BATCH_SIZE))      # gan = generator → frozen discriminator

(with `discriminator.trainable` set to True before D's update and to False before G's: see main). This is the
same FLOP as ganlib's step: ganlib draws fresh noise for the G update, the slides reuse it; the cost is the
same). Keras compiles its train functions with XLA where it can (jit_compile="auto").

    KERAS_BACKEND=tensorflow python bench/peers/keras_gan.py --model lecture-b4 [--steps 10] [--warmup 2]

Prints one line `BENCH_JSON {...}` (first_ms, step_ms, info) for `ganlab bench`.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import Sequential  # noqa: E402
from keras.layers import (Conv2D, Conv2DTranspose, Dense, Dropout, Flatten, Input, LeakyReLU,  # noqa: E402
                          Reshape)
from keras.optimizers import Adam  # noqa: E402

NOISE_DIM = 100


def optimizer():
    return Adam(learning_rate=0.0002, beta_1=0.5)


def build_generator(model, CHANNELS=1):
    if model == "mlp":
        layers = [Input((NOISE_DIM,)),
                  Dense(256), LeakyReLU(negative_slope=0.2),
                  Dense(512), LeakyReLU(negative_slope=0.2),
                  Dense(1024), LeakyReLU(negative_slope=0.2),
                  Dense(784, activation="tanh"), Reshape((28, 28, 1))]
    elif model == "dcgan28":
        layers = [Input((NOISE_DIM,)),
                  Dense(7 * 7 * 128), LeakyReLU(negative_slope=0.2), Reshape((7, 7, 128)),
                  Conv2DTranspose(64, (5, 5), strides=2, padding="same"), LeakyReLU(negative_slope=0.2),
                  Conv2DTranspose(1, (5, 5), strides=2, padding="same", activation="tanh")]
    else:  # slide 5
        layers = [Input((NOISE_DIM,)),
                  Dense(32 * 32 * 256),
                  LeakyReLU(negative_slope=0.2),
                  Reshape((32, 32, 256)),

                  Conv2DTranspose(128, (4, 4), strides=2, padding="same"),
                  LeakyReLU(negative_slope=0.2),

                  Conv2DTranspose(128, (4, 4), strides=2, padding="same"),
                  LeakyReLU(negative_slope=0.2),

                  Conv2D(CHANNELS, (4, 4), padding="same", activation="tanh")]
    model = Sequential(layers, name="generator")
    model.compile(loss="binary_crossentropy", optimizer=optimizer())
    return model


def build_discriminator(model, WIDTH=128, HEIGHT=128, CHANNELS=1):
    if model == "mlp":
        layers = [Input((28, 28, 1)), Flatten(),
                  Dense(512), LeakyReLU(negative_slope=0.2), Dropout(0.3),
                  Dense(256), LeakyReLU(negative_slope=0.2), Dropout(0.3),
                  Dense(1, activation="sigmoid")]
    elif model == "dcgan28":
        layers = [Input((28, 28, 1)),
                  Conv2D(64, (5, 5), strides=2, padding="same"), LeakyReLU(negative_slope=0.2),
                  Conv2D(128, (5, 5), strides=2, padding="same"), LeakyReLU(negative_slope=0.2),
                  Flatten(), Dense(1, activation="sigmoid")]
    else:  # slide 5
        layers = [Input((WIDTH, HEIGHT, CHANNELS)),
                  Conv2D(64, (3, 3), padding="same"),
                  LeakyReLU(negative_slope=0.2),

                  Conv2D(128, (3, 3), strides=2, padding="same"),
                  LeakyReLU(negative_slope=0.2),

                  Conv2D(128, (3, 3), strides=2, padding="same"),
                  LeakyReLU(negative_slope=0.2),

                  Conv2D(256, (3, 3), strides=2, padding="same"),
                  LeakyReLU(negative_slope=0.2),

                  Flatten(),
                  Dropout(0.4),
                  Dense(1, activation="sigmoid")]
    model = Sequential(layers, name="discriminator")
    model.compile(loss="binary_crossentropy", optimizer=optimizer())
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, choices=["mlp", "dcgan28", "lecture-b4", "lecture-b16"])
    ap.add_argument("--steps", type=int, default=10, help="timed steps (at most)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps after the first")
    ap.add_argument("--min-steps", type=int, default=3, help="timed steps before --budget-s may stop timing")
    ap.add_argument("--budget-s", type=float, default=0, help="stop timing after this many seconds (0: never)")
    ap.add_argument("--threads", type=int, default=0, help="TensorFlow intra-op threads (0: TensorFlow's default)")
    a = ap.parse_args()

    import tensorflow as tf
    if a.threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(a.threads)
        tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    keras.utils.set_random_seed(1)
    np.random.seed(40)
    size = 28 if a.model in ("mlp", "dcgan28") else 128
    BATCH_SIZE = 64 if size == 28 else int(a.model.split("-b")[1])
    X_train = np.random.uniform(-1, 1, size=(2 * BATCH_SIZE, size, size, 1)).astype("float32")

    generator = build_generator(a.model)
    discriminator = build_discriminator(a.model)
    discriminator.trainable = False
    gan = Sequential([generator, discriminator], name="gan")
    gan.compile(loss="binary_crossentropy", optimizer=optimizer())
    # The slides' order: D compiled while trainable, then frozen inside the combined model. Keras 2 kept each
    # compiled model's own idea of `trainable`; Keras 3 reads the flag when a train function runs (checked: with
    # the flag left alone, gan.train_on_batch also updates D, or D's own step trains nothing), so the loop sets
    # it before each of the two updates. Only D's flag changes; no layer is rebuilt.

    def step():
        noise = np.random.normal(0, 1, size=(BATCH_SIZE, NOISE_DIM))
        fake_X = generator.predict(noise, verbose=0)
        idx = np.random.randint(0, X_train.shape[0], size=BATCH_SIZE)
        real_X = X_train[idx]
        X = np.concatenate((real_X, fake_X))
        disc_y = np.zeros(2 * BATCH_SIZE)
        disc_y[:BATCH_SIZE] = 1
        discriminator.trainable = True
        d_loss = discriminator.train_on_batch(X, disc_y)
        discriminator.trainable = False
        y_gen = np.ones(BATCH_SIZE)
        g_loss = gan.train_on_batch(noise, y_gen)
        return d_loss, g_loss

    t0 = time.perf_counter()
    step()
    first = (time.perf_counter() - t0) * 1e3
    for _ in range(a.warmup):
        if a.budget_s > 0 and (time.perf_counter() - t0) >= a.budget_s / 2:
            break  # a slow implementation: the first step already used much of the budget
        step()
    times, cpu, spent = [], [], 0.0
    for i in range(a.steps):
        if a.budget_s > 0 and i >= a.min_steps and spent >= a.budget_s:
            break
        t0, c0 = time.perf_counter(), time.process_time()
        d_loss, g_loss = step()
        dt = time.perf_counter() - t0
        spent += dt
        times.append(dt * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    if not (np.isfinite(d_loss) and np.isfinite(g_loss)):
        sys.exit(f"keras_gan.py: non-finite loss ({d_loss}, {g_loss})")
    info = (f"keras {keras.__version__} on tensorflow {tf.__version__}, train_on_batch + predict as on the slides, "
            f"intra-op threads {tf.config.threading.get_intra_op_parallelism_threads() or 'default'}")
    print("BENCH_JSON " + json.dumps({"impl": "keras", "model": a.model, "first_ms": first, "step_ms": times, "cpu_ms": cpu,
                                      "info": info}), flush=True)


if __name__ == "__main__":
    main()
