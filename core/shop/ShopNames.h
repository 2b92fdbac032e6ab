#pragma once

#include <QByteArray>

// The reference shop's streams and groups: defaults of the shop, never assumptions of
// StreamScope itself.
namespace streamscope::shop::names {
inline constexpr char orderEvents[] = "order-events";
inline constexpr char paymentEvents[] = "payment-events";
inline constexpr char paymentGroup[] = "payment-service";
inline constexpr char orderGroup[] = "order-service";
inline constexpr char notificationGroup[] = "notification-service";

// Keys written with a stream in one Lua step live under the stream's name as hash tag: on a
// Redis Cluster "{order-events}:x" hashes as "order-events", the stream's own slot.
inline QByteArray publishedMarker(const char *stream, const QByteArray &orderId) {
    return '{' + QByteArray(stream) + "}:published:" + orderId;
}
} // namespace streamscope::shop::names
