"""A small U-Net-style segmentation model in Keras."""
from tensorflow import keras
from tensorflow.keras import layers


def conv_block(x, filters):
    # use_bias defaults to True: the BatchNormalization right after cancels it.
    x = layers.Conv2D(filters, 3, padding="same", use_bias=True)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_unet(num_classes=21, size=256):
    inputs = keras.Input((size, size, 3))
    d1 = conv_block(inputs, 32)
    d2 = conv_block(layers.MaxPooling2D()(d1), 64)
    bottom = conv_block(layers.MaxPooling2D()(d2), 128)
    u2 = layers.Concatenate()([layers.UpSampling2D()(bottom), d2])
    u2 = conv_block(u2, 64)
    u1 = layers.Add()([layers.Conv2D(32, 1)(layers.UpSampling2D()(u2)), d1])
    u1 = conv_block(u1, 32)
    # Final classifier: one 3x3 conv to the classes.
    outputs = layers.Conv2D(num_classes, 3, padding="same", activation="softmax")(u1)
    return keras.Model(inputs, outputs, name="unet_segmentation")


if __name__ == "__main__":
    model = build_unet()
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=[keras.metrics.MeanIoU(num_classes=21, sparse_y_true=False, sparse_y_pred=False)],
    )
    model.summary()
