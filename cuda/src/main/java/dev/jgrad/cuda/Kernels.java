package dev.jgrad.cuda;

import static dev.jgrad.cuda.KernelSpec.Param.CODEBOOK;
import static dev.jgrad.cuda.KernelSpec.Param.F32;
import static dev.jgrad.cuda.KernelSpec.Param.F64;
import static dev.jgrad.cuda.KernelSpec.Param.I32;
import static dev.jgrad.cuda.KernelSpec.Param.I64;
import static dev.jgrad.cuda.KernelSpec.Param.LAYOUT;
import static dev.jgrad.cuda.KernelSpec.Param.PTR;

import dev.jgrad.core.DType;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The signature of every kernel in {@code src/main/resources/dev/jgrad/cuda/kernels}, one constant each, next
 * to nothing else: the launchers ({@link CudaBackend}, {@link CudaKernels}) refer to these, and
 * {@code KernelAbiTest} compiles every source with nvcc and checks each constant against the PTX entry (name,
 * parameter count and types) and that no entry lacks a constant. Adding a kernel: a function in a .cu file,
 * its constant here, a launcher method.
 */
final class Kernels {

    private Kernels() {}

    // ---- elementwise.cu -----------------------------------------------------------------------------------
    static final KernelSpec FILL = KernelSpec.of("elementwise.cu", "fill", LAYOUT, PTR, I32, F64);
    static final KernelSpec COPY = KernelSpec.of("elementwise.cu", "copy", LAYOUT, PTR, I32, PTR, I32, I32);
    static final KernelSpec UNARY_F32 = KernelSpec.of("elementwise.cu", "unary_f32", LAYOUT, I32, PTR, PTR);
    static final KernelSpec UNARY_GENERIC =
            KernelSpec.of("elementwise.cu", "unary_generic", LAYOUT, I32, PTR, I32, PTR, I32);
    static final KernelSpec BINARY_F32 = KernelSpec.of("elementwise.cu", "binary_f32", LAYOUT, I32, PTR, PTR, PTR, I32);
    static final KernelSpec BINARY_GENERIC =
            KernelSpec.of("elementwise.cu", "binary_generic", LAYOUT, I32, PTR, I32, PTR, I32, PTR, I32);
    static final KernelSpec WHERE = KernelSpec.of("elementwise.cu", "where_select", LAYOUT, PTR, I32, PTR, PTR, PTR, I32);

    // ---- reduce.cu ---------------------------------------------------------------------------------------
    static final KernelSpec REDUCE_THREAD_F32 = reduce("reduce_thread_f32");
    static final KernelSpec REDUCE_THREAD_F64 = reduce("reduce_thread_f64");
    static final KernelSpec REDUCE_BLOCK_F32 = reduce("reduce_block_f32");
    static final KernelSpec REDUCE_BLOCK_F64 = reduce("reduce_block_f64");
    static final KernelSpec SOFTMAX_F32 = softmax("softmax_f32");
    static final KernelSpec SOFTMAX_F64 = softmax("softmax_f64");
    static final KernelSpec SOFTMAX_BACKWARD_F32 = softmaxBackward("softmax_backward_f32");
    static final KernelSpec SOFTMAX_BACKWARD_F64 = softmaxBackward("softmax_backward_f64");
    static final KernelSpec LOGSUMEXP_F32 = KernelSpec.of("reduce.cu", "logsumexp_f32", LAYOUT, PTR, I32, PTR, I32);
    static final KernelSpec LOGSUMEXP_F64 = KernelSpec.of("reduce.cu", "logsumexp_f64", LAYOUT, PTR, I32, PTR, I32);

    private static KernelSpec reduce(String name) {
        return KernelSpec.of("reduce.cu", name, LAYOUT, I32, PTR, I32, I32, PTR);
    }

    private static KernelSpec softmax(String name) {
        return KernelSpec.of("reduce.cu", name, LAYOUT, PTR, I32, PTR, I32, I32, I32);
    }

    private static KernelSpec softmaxBackward(String name) {
        return KernelSpec.of("reduce.cu", name, LAYOUT, PTR, I32, PTR, I32, PTR, I32, I32, I32);
    }

    // ---- index.cu ----------------------------------------------------------------------------------------
    static final KernelSpec INDEX_SELECT =
            KernelSpec.of("index.cu", "index_select", LAYOUT, PTR, PTR, I32, PTR, I32, I32, I32);
    static final KernelSpec INDEX_ADD_F32 = indexAdd("index_add_f32");
    static final KernelSpec INDEX_ADD_F64 = indexAdd("index_add_f64");
    static final KernelSpec GATHER = KernelSpec.of("index.cu", "gather", LAYOUT, PTR, PTR, I32, I32, PTR, I32);
    static final KernelSpec SCATTER_ADD_F32 = scatterAdd("scatter_add_f32");
    static final KernelSpec SCATTER_ADD_F64 = scatterAdd("scatter_add_f64");
    static final KernelSpec EMBEDDING_FORWARD =
            KernelSpec.of("index.cu", "embedding_forward_f32", PTR, PTR, I32, PTR, I32, I32, I32);
    static final KernelSpec EMBEDDING_BACKWARD =
            KernelSpec.of("index.cu", "embedding_backward_f32", PTR, PTR, PTR, PTR, PTR, I32, I32);

    private static KernelSpec indexAdd(String name) {
        return KernelSpec.of("index.cu", name, LAYOUT, PTR, I32, PTR, I32, PTR, I32, I32, I32);
    }

    private static KernelSpec scatterAdd(String name) {
        return KernelSpec.of("index.cu", name, LAYOUT, PTR, I32, PTR, I32, PTR, I32, I32, I32);
    }

    // ---- norm.cu (index 0: float32, 1: float64; see typed) ------------------------------------------------
    static final KernelSpec[] LAYER_NORM_FORWARD = typed("norm.cu", "layer_norm_forward",
            PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, F64);
    static final KernelSpec[] LAYER_NORM_BACKWARD_DX = typed("norm.cu", "layer_norm_backward_dx",
            PTR, PTR, PTR, PTR, PTR, PTR, I32, I32);
    static final KernelSpec[] RMS_NORM_FORWARD = typed("norm.cu", "rms_norm_forward", PTR, PTR, PTR, PTR, I32, I32, F64);
    static final KernelSpec[] RMS_NORM_BACKWARD_DX = typed("norm.cu", "rms_norm_backward_dx",
            PTR, PTR, PTR, PTR, PTR, I32, I32);
    static final KernelSpec[] NORM_PARAMS_PARTIAL = typed("norm.cu", "norm_params_partial",
            PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32);
    static final KernelSpec[] COLUMN_SUM_CHUNKS = typed("norm.cu", "column_sum_chunks", PTR, PTR, I32, I32);

    // ---- loss.cu -----------------------------------------------------------------------------------------
    static final KernelSpec[] CROSS_ENTROPY_FORWARD = typed("loss.cu", "cross_entropy_forward",
            PTR, PTR, PTR, PTR, I32, I32, I32, I64, F64);
    static final KernelSpec[] CROSS_ENTROPY_BACKWARD = typed("loss.cu", "cross_entropy_backward",
            PTR, PTR, PTR, PTR, I32, PTR, I32, I32, I32, I64, F64);

    // ---- optim.cu ----------------------------------------------------------------------------------------
    static final KernelSpec SGD_UPDATE = KernelSpec.of("optim.cu", "sgd_update",
            I32, PTR, PTR, PTR, I32, F64, F64, F64, F64, I32, I32);
    static final KernelSpec ADAM_UPDATE = KernelSpec.of("optim.cu", "adam_update",
            I32, PTR, PTR, PTR, PTR, PTR, I32, F64, F64, F64, F64, F64, I32, F64, F64);

    // ---- rope.cu -----------------------------------------------------------------------------------------
    static final KernelSpec[] ROPE = typed("rope.cu", "rope",
            PTR, PTR, PTR, I32, I32, I32, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32);

    // ---- attention.cu (tiled, float32) ---------------------------------------------------------------------
    /** The head dims with a tiled float32 attention kernel; others run the generic kernels. */
    static final int[] ATTENTION_HEAD_DIMS = {32, 64, 96, 128};
    static final KernelSpec[] ATTENTION_FORWARD = attention("attention_forward_d%d_f32",
            PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32, F32, I32, I64, I32, I32, F32);
    static final KernelSpec[] ATTENTION_BACKWARD_DKDV = attention("attention_backward_dkdv_d%d_f32",
            PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32, F32, I32, I64, I32, I32, F32);
    static final KernelSpec[] ATTENTION_BACKWARD_DQ = attention("attention_backward_dq_d%d_f32",
            PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32, F32, I32, I64, I32, I32, F32);

    private static KernelSpec[] attention(String pattern, KernelSpec.Param... params) {
        KernelSpec[] specs = new KernelSpec[ATTENTION_HEAD_DIMS.length];
        for (int i = 0; i < specs.length; i++)
            specs[i] = KernelSpec.of("attention.cu", String.format(pattern, ATTENTION_HEAD_DIMS[i]), params);
        return specs;
    }

    // ---- attention_generic.cu (any head dim; float32 and float64; scale and keepScale have the dtype) ------------
    static final KernelSpec[] ATTENTION_FORWARD_GENERIC = typedScalars("attention_generic.cu",
            "attention_forward_generic", "PPPPPP IIIII T I L I I T");
    static final KernelSpec[] ATTENTION_DELTA = typed("attention_generic.cu", "attention_backward_delta",
            PTR, PTR, PTR, I32, I32);
    static final KernelSpec[] ATTENTION_BACKWARD_DQ_GENERIC = typedScalars("attention_generic.cu",
            "attention_backward_dq_generic", "PPPPPPPP IIIII T I L I I T");
    static final KernelSpec[] ATTENTION_BACKWARD_DKDV_GENERIC = typedScalars("attention_generic.cu",
            "attention_backward_dkdv_generic", "PPPPPPPPP IIIII T I L I I T");

    /** The float32 ({@code name_f32}, index 0) and float64 ({@code name_f64}, index 1) instantiations of a kernel. */
    private static KernelSpec[] typed(String file, String name, KernelSpec.Param... params) {
        return new KernelSpec[] {KernelSpec.of(file, name + "_f32", params), KernelSpec.of(file, name + "_f64", params)};
    }

    /**
     * Like {@link #typed} for kernels with scalars of the tensor dtype. {@code code}: P pointer, I int, L long long,
     * T a scalar of the dtype (F32 in the float32 instantiation, F64 in the float64 one); spaces are ignored.
     */
    private static KernelSpec[] typedScalars(String file, String name, String code) {
        KernelSpec[] out = new KernelSpec[2];
        for (int t = 0; t < 2; t++) {
            List<KernelSpec.Param> params = new ArrayList<>();
            for (char c : code.replace(" ", "").toCharArray()) {
                params.add(switch (c) {
                    case 'P' -> PTR;
                    case 'I' -> I32;
                    case 'L' -> I64;
                    case 'T' -> t == 0 ? F32 : F64;
                    default -> throw new IllegalArgumentException("parameter code " + c);
                });
            }
            out[t] = KernelSpec.of(file, name + (t == 0 ? "_f32" : "_f64"), params.toArray(new KernelSpec.Param[0]));
        }
        return out;
    }

    /** The index of a compute dtype in a {@link #typed} pair: 0 for F32, 1 for F64. */
    static int typeIndex(DType computeType) {
        return switch (computeType) {
            case F32 -> 0;
            case F64 -> 1;
            default -> throw new IllegalArgumentException("fused kernels compute in F32 or F64, not " + computeType);
        };
    }

    // ---- quant.cu ----------------------------------------------------------------------------------------
    static final KernelSpec DEQUANTIZE_4BIT =
            KernelSpec.of("quant.cu", "dequantize_4bit_f32", PTR, PTR, PTR, I32, I32, CODEBOOK);
    static final KernelSpec GEMV_4BIT =
            KernelSpec.of("quant.cu", "gemv_4bit_f32", PTR, PTR, PTR, PTR, I32, I32, I32, CODEBOOK);
    static final KernelSpec GEMM_4BIT =
            KernelSpec.of("quant.cu", "gemm_4bit_f32", PTR, PTR, PTR, PTR, I32, I32, I32, I32, CODEBOOK);
    static final KernelSpec GEMM_4BIT_INPUT_GRAD =
            KernelSpec.of("quant.cu", "gemm_4bit_input_grad_f32", PTR, PTR, PTR, PTR, I32, I32, I32, I32, CODEBOOK);

    /** Every kernel signature declared above. */
    static List<KernelSpec> all() {
        List<KernelSpec> out = new ArrayList<>();
        for (Field f : Kernels.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) continue;
            try {
                Object v = f.get(null);
                if (v instanceof KernelSpec s) out.add(s);
                else if (v instanceof KernelSpec[] arr) out.addAll(List.of(arr));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
