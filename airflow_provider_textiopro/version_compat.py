"""The one place for imports that differ between Airflow 2.11 and 3.x.

Everything is re-exported from ``apache-airflow-providers-common-compat`` so the
rest of the provider never checks the Airflow version itself.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowOptionalProviderFeatureException,
    AirflowSensorTimeout,
    Asset,
    AssetAlias,
    BaseHook,
    BaseNotifier,
    BaseOperator,
    BaseOperatorLink,
    BaseSensorOperator,
    Context,
    PokeReturnValue,
    ResumableJobMixin,
    TaskInstanceKey,
    Variable,
    XCom,
    conf,
    mask_secret,
    redact,
)
from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS, AIRFLOW_V_3_3_PLUS

__all__ = [
    "AIRFLOW_V_3_0_PLUS",
    "AIRFLOW_V_3_3_PLUS",
    "AirflowException",
    "AirflowFailException",
    "AirflowOptionalProviderFeatureException",
    "AirflowSensorTimeout",
    "Asset",
    "AssetAlias",
    "BaseHook",
    "BaseNotifier",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "Context",
    "PokeReturnValue",
    "ResumableJobMixin",
    "TaskInstanceKey",
    "Variable",
    "XCom",
    "conf",
    "mask_secret",
    "redact",
]
