package dev.jgrad.cuda;

import static dev.jgrad.cuda.KernelSpec.Param.CODEBOOK;
import static dev.jgrad.cuda.KernelSpec.Param.F32;
import static dev.jgrad.cuda.KernelSpec.Param.F64;
import static dev.jgrad.cuda.KernelSpec.Param.I32;
import static dev.jgrad.cuda.KernelSpec.Param.I64;
import static dev.jgrad.cuda.KernelSpec.Param.LAYOUT;
import static dev.jgrad.cuda.KernelSpec.Param.PTR;

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

    // ---- norm.cu -----------------------------------------------------------------------------------------
    static final KernelSpec LAYERNORM_FORWARD =
            KernelSpec.of("norm.cu", "layernorm_forward_f32", PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, F32);
    static final KernelSpec LAYERNORM_BACKWARD_DX =
            KernelSpec.of("norm.cu", "layernorm_backward_dx_f32", PTR, PTR, PTR, PTR, PTR, PTR, I32, I32);
    static final KernelSpec RMSNORM_FORWARD =
            KernelSpec.of("norm.cu", "rmsnorm_forward_f32", PTR, PTR, PTR, PTR, I32, I32, F32);
    static final KernelSpec RMSNORM_BACKWARD_DX =
            KernelSpec.of("norm.cu", "rmsnorm_backward_dx_f32", PTR, PTR, PTR, PTR, PTR, I32, I32);
    static final KernelSpec NORM_PARAMS_PARTIAL =
            KernelSpec.of("norm.cu", "norm_backward_params_partial_f32", PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32);
    static final KernelSpec COLUMN_SUM_CHUNKS =
            KernelSpec.of("norm.cu", "column_sum_chunks_f32", PTR, PTR, I32, I32, I32);

    // ---- loss.cu -----------------------------------------------------------------------------------------
    static final KernelSpec CROSS_ENTROPY_FORWARD =
            KernelSpec.of("loss.cu", "cross_entropy_forward_f32", PTR, PTR, PTR, PTR, I32, I32, I32, I64, F32);
    static final KernelSpec CROSS_ENTROPY_BACKWARD = KernelSpec.of("loss.cu", "cross_entropy_backward_f32",
            PTR, PTR, PTR, PTR, I32, PTR, I32, I32, I32, I64, F32);

    // ---- optim.cu ----------------------------------------------------------------------------------------
    static final KernelSpec ADAM_STEP = KernelSpec.of("optim.cu", "adam_step_f32",
            PTR, PTR, PTR, PTR, I32, F32, F32, F32, F32, F32, F32, F32, I32, F32);
    static final KernelSpec SGD_STEP = KernelSpec.of("optim.cu", "sgd_step_f32",
            PTR, PTR, PTR, I32, F32, F32, F32, F32, I32, I32, F32);

    // ---- rope.cu -----------------------------------------------------------------------------------------
    static final KernelSpec ROPE =
            KernelSpec.of("rope.cu", "rope_f32", PTR, PTR, PTR, PTR, I32, I32, I32, I32, I32, I32, I32);

    // ---- attention.cu ------------------------------------------------------------------------------------
    /** The head dims with an attention kernel instantiation. */
    static final int[] ATTENTION_HEAD_DIMS = {32, 64, 96, 128};
    static final KernelSpec ATTENTION_DELTA =
            KernelSpec.of("attention.cu", "attention_backward_delta_f32", PTR, PTR, PTR, I32, I32);
    static final KernelSpec[] ATTENTION_FORWARD = attention("attention_forward_d%d_f32",
            PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32, F32, I32);
    static final KernelSpec[] ATTENTION_BACKWARD_DKDV = attention("attention_backward_dkdv_d%d_f32",
            PTR, PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32, F32, I32);
    static final KernelSpec[] ATTENTION_BACKWARD_DQ = attention("attention_backward_dq_d%d_f32",
            PTR, PTR, PTR, PTR, PTR, PTR, PTR, I32, I32, I32, I32, F32, I32);

    private static KernelSpec[] attention(String pattern, KernelSpec.Param... params) {
        KernelSpec[] specs = new KernelSpec[ATTENTION_HEAD_DIMS.length];
        for (int i = 0; i < specs.length; i++)
            specs[i] = KernelSpec.of("attention.cu", String.format(pattern, ATTENTION_HEAD_DIMS[i]), params);
        return specs;
    }

    // ---- quant.cu ----------------------------------------------------------------------------------------
    static final KernelSpec DEQUANTIZE_4BIT =
            KernelSpec.of("quant.cu", "dequantize_4bit_f32", PTR, PTR, PTR, I32, I32, CODEBOOK);
    static final KernelSpec GEMV_4BIT =
            KernelSpec.of("quant.cu", "gemv_4bit_f32", PTR, PTR, PTR, PTR, I32, I32, I32, CODEBOOK);
    static final KernelSpec GEMM_4BIT =
            KernelSpec.of("quant.cu", "gemm_4bit_f32", PTR, PTR, PTR, PTR, I32, I32, I32, I32, CODEBOOK);

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
