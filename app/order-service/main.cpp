#include "OrderService.h"

#include <QCoreApplication>

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("order-service"));
    QCoreApplication::setApplicationVersion(QStringLiteral(STREAMSCOPE_VERSION));
    return streamscope::shop::runOrderService(QCoreApplication::arguments());
}
