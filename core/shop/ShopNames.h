#pragma once

// The reference shop's streams and groups: defaults of the shop, never assumptions of
// StreamScope itself.
namespace streamscope::shop::names {
inline constexpr char orderEvents[] = "order-events";
inline constexpr char paymentEvents[] = "payment-events";
inline constexpr char paymentGroup[] = "payment-service";
inline constexpr char orderGroup[] = "order-service";
inline constexpr char notificationGroup[] = "notification-service";
} // namespace streamscope::shop::names
