#include "OrderService.h"

#include "Version.h"

#include <QCoreApplication>

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("order-service"));
    QCoreApplication::setApplicationVersion(streamscope::streamscopeVersion());
    return streamscope::shop::runOrderService(QCoreApplication::arguments());
}
