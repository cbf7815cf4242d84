package ai.kaizen.model.safetensors;

/**
 * bfloat16 conversions done in Java, because DJL's PyTorch engine cannot create BF16 arrays.
 * A bfloat16 is the upper 16 bits of an IEEE float.
 */
public final class Bf16 {

    private Bf16() {}

    /**
     * Widens a bfloat16 to a float (exact).
     *
     * @param bits the 16 bfloat16 bits in the low half
     * @return the float value
     */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /**
     * Rounds a float to the nearest bfloat16 (ties to even), as PyTorch does.
     *
     * @param value the float
     * @return the bfloat16 bits
     */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /**
     * Rounds a float to bfloat16 precision and back.
     *
     * @param value the float
     * @return the nearest float representable as bfloat16
     */
    public static float round(float value) {
        return toFloat(fromFloat(value));
    }
}
