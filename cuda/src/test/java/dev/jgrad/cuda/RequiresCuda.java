package dev.jgrad.cuda;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test only where {@link CudaBackend#isAvailable()}; elsewhere the test is skipped and the skip reason
 * is {@link CudaBackend#unavailableReason()} (the missing library or device), like {@code @EnabledIf} with the
 * reason filled in.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresCuda.Condition.class)
@interface RequiresCuda {

    /** The condition behind the annotation. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (CudaBackend.isAvailable())
                return ConditionEvaluationResult.enabled("CUDA devices: " + CudaBackend.deviceCount());
            return ConditionEvaluationResult.disabled("GPU test skipped: " + CudaBackend.unavailableReason());
        }
    }
}
