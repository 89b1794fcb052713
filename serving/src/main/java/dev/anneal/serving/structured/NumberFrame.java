package dev.anneal.serving.structured;

/**
 * Inside a number, as JSON writes one: an optional minus, an integer part without leading zeros,
 * then (numbers only, not integers) an optional fraction and exponent. Digits are bounded ({@link
 * #MAX_INTEGER_DIGITS}, {@link #MAX_FRACTION_DIGITS}, {@link #MAX_EXPONENT_DIGITS}) so that a model
 * cannot write a thousand-digit number.
 *
 * <p>A number has no closing byte: in a complete phase the first byte that cannot continue it is
 * handed to the enclosing frame.
 */
final class NumberFrame extends Frame {

    /** As many digits as a double holds exactly (2^53 has 16); more are noise from a model. */
    static final int MAX_INTEGER_DIGITS = 16;

    static final int MAX_FRACTION_DIGITS = 16;
    static final int MAX_EXPONENT_DIGITS = 3;

    private enum Phase {
        MINUS(false),
        ZERO(true),
        INTEGER(true),
        DOT(false),
        FRACTION(true),
        EXPONENT(false),
        EXPONENT_SIGN(false),
        EXPONENT_DIGITS(true);

        private final boolean complete;

        Phase(boolean complete) {
            this.complete = complete;
        }
    }

    private final boolean integerOnly;
    private final Phase phase;
    private final int digits;

    private NumberFrame(boolean integerOnly, Frame parent, Phase phase, int digits) {
        super(parent, phase.complete ? 0 : 1);
        this.integerOnly = integerOnly;
        this.phase = phase;
        this.digits = digits;
    }

    /**
     * Starts a number on its first byte.
     *
     * @param integerOnly whether only an integer may be written
     * @param parent what continues after the number
     * @param b the first byte
     * @return the state after it, or {@code null} if no number starts with it
     */
    static Frame begin(boolean integerOnly, Frame parent, int b) {
        if (b == '-') {
            return new NumberFrame(integerOnly, parent, Phase.MINUS, 0);
        }
        return startInteger(integerOnly, parent, b);
    }

    private static Frame startInteger(boolean integerOnly, Frame parent, int b) {
        if (b == '0') {
            return new NumberFrame(integerOnly, parent, Phase.ZERO, 1);
        }
        if (b >= '1' && b <= '9') {
            return new NumberFrame(integerOnly, parent, Phase.INTEGER, 1);
        }
        return null;
    }

    @Override
    Frame step(int b) {
        boolean digit = b >= '0' && b <= '9';
        switch (phase) {
            case MINUS:
                return startInteger(integerOnly, parent, b);
            case INTEGER:
                if (digit && digits < MAX_INTEGER_DIGITS) {
                    return next(Phase.INTEGER, digits + 1);
                }
                return afterInteger(b);
            case ZERO:
                return afterInteger(b);
            case DOT:
                return digit ? next(Phase.FRACTION, 1) : null;
            case FRACTION:
                if (digit && digits < MAX_FRACTION_DIGITS) {
                    return next(Phase.FRACTION, digits + 1);
                }
                return b == 'e' || b == 'E' ? next(Phase.EXPONENT, 0) : end(b);
            case EXPONENT:
                if (b == '+' || b == '-') {
                    return next(Phase.EXPONENT_SIGN, 0);
                }
                return digit ? next(Phase.EXPONENT_DIGITS, 1) : null;
            case EXPONENT_SIGN:
                return digit ? next(Phase.EXPONENT_DIGITS, 1) : null;
            default:
                if (digit && digits < MAX_EXPONENT_DIGITS) {
                    return next(Phase.EXPONENT_DIGITS, digits + 1);
                }
                return end(b);
        }
    }

    private Frame afterInteger(int b) {
        if (!integerOnly && b == '.') {
            return next(Phase.DOT, 0);
        }
        if (!integerOnly && (b == 'e' || b == 'E')) {
            return next(Phase.EXPONENT, 0);
        }
        return end(b);
    }

    /** The number is over: the byte belongs to what follows it. A digit never does. */
    private Frame end(int b) {
        return b >= '0' && b <= '9' ? null : parent.step(b);
    }

    private Frame next(Phase phase, int digits) {
        return new NumberFrame(integerOnly, parent, phase, digits);
    }
}
